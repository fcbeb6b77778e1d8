// Program.cs dispatches `moat bench` to BenchCommand with a single line; this keeps that line free of a using.
global using Moat.Cli.Bench;
