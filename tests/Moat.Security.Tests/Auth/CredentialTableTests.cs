using System.Text;
using Moat.Security.Auth;

namespace Moat.Security.Tests.Auth;

public sealed class CredentialTableTests
{
    private static CredentialTable Parse(string content, CredentialFormat format = CredentialFormat.AsciiAuthFile) =>
        CredentialTable.Parse(Encoding.UTF8.GetBytes(content), format);

    private static bool Check(CredentialTable table, string user, string password) =>
        table.Check(Encoding.UTF8.GetBytes(user), Encoding.UTF8.GetBytes(password));

    [Fact]
    public void Lines_are_user_colon_password_with_lf_or_crlf_ends()
    {
        var table = Parse("alice:secret\nbob:pw:with:colons\r\ncarol:\n:nouser\n");
        Assert.Equal(4, table.Count);
        Assert.True(Check(table, "alice", "secret"));
        Assert.True(Check(table, "bob", "pw:with:colons"));
        Assert.True(Check(table, "carol", ""));
        Assert.False(Check(table, "alice", "secre"));
        Assert.False(Check(table, "alice", "secret "));
        Assert.False(Check(table, "Alice", "secret"));
        Assert.False(Check(table, "bob", "pw"));
        Assert.Equal(["alice", "bob", "carol", ""], table.Users);
    }

    [Fact]
    public void The_sasl_database_ends_a_password_at_a_further_colon()
    {
        var table = Parse("bob:pw:extra tokens\n", CredentialFormat.SaslPasswordDatabase);
        Assert.True(Check(table, "bob", "pw"));
        Assert.False(Check(table, "bob", "pw:extra tokens"));
    }

    [Theory]
    [InlineData("alice:secret\n\nbob:pw\n", 2)]
    [InlineData("nocolon", 1)]
    [InlineData("a:b\nc:d\nbroken line\n", 3)]
    public void A_line_without_a_colon_is_malformed_with_its_number(string content, int line)
    {
        var error = Assert.Throws<CredentialFileException>(() => Parse(content));
        Assert.Equal(line, error.LineNumber);
        Assert.False(error.Unreadable);
    }

    [Fact]
    public void Entries_are_limited_to_1024_of_256_bytes()
    {
        var many = string.Concat(Enumerable.Range(0, 1024).Select(i => $"user{i}:pw{i}\n"));
        var table = Parse(many);
        Assert.Equal(1024, table.Count);
        Assert.True(Check(table, "user1023", "pw1023"));
        Assert.Equal(1025, Assert.Throws<CredentialFileException>(() => Parse(many + "one:more\n")).LineNumber);
        Assert.Equal(1, Parse("u:" + new string('p', 254)).Count);
        Assert.Equal(1, Assert.Throws<CredentialFileException>(() => Parse("u:" + new string('p', 255))).LineNumber);
    }

    [Fact]
    public void An_empty_file_has_no_entries_and_a_missing_one_is_unreadable()
    {
        Assert.Equal(0, Parse("").Count);
        Assert.True(Assert.Throws<CredentialFileException>(() => CredentialTable.Load("/nonexistent/auth", CredentialFormat.AsciiAuthFile)).Unreadable);
    }

    [Fact]
    public void Find_returns_the_matching_entry_whatever_its_position()
    {
        var table = Parse("a:1\nb:2\nc:3\n");
        Assert.Equal(2, table.Find("c"u8, "3"u8));
        Assert.Equal(0, table.Find("a"u8, "1"u8));
        Assert.Equal(-1, table.Find("a"u8, "2"u8));
        Assert.Equal("c", table.UserAt(2));
        Assert.True(table.HasUser("b"));
        Assert.False(table.HasUser("d"));
    }
}
