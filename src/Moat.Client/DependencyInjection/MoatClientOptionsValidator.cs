using Microsoft.Extensions.Options;

namespace Moat.Client.DependencyInjection;

/// <summary>Turns <see cref="MoatClientOptions.Validate"/> into an options validation result.</summary>
internal sealed class MoatClientOptionsValidator : IValidateOptions<MoatClientOptions>
{
    public ValidateOptionsResult Validate(string? name, MoatClientOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
