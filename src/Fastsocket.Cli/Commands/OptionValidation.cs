using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace Fastsocket.Cli.Commands;

/// <summary>
/// Range checks attached to options as System.CommandLine validators. Doing the checks inside the
/// parser (instead of after it) means a bad value is reported exactly like a malformed one: same
/// stderr format, same exit code <see cref="ExitCodes.Usage"/>, and it is caught before any work starts.
/// </summary>
internal static class OptionValidation
{
    /// <summary>Requires a value strictly greater than zero.</summary>
    public static Option<long> MustBePositive(this Option<long> option)
    {
        option.Validators.Add(result =>
        {
            if (!TryGetValue<long>(result, out var value))
            {
                return;
            }

            if (value <= 0)
            {
                result.AddError(Invalid(result, value.ToString(CultureInfo.InvariantCulture), "must be greater than 0"));
            }
        });
        return option;
    }

    /// <summary>
    /// Requires one of <paramref name="values"/>. Unlike the parser's own AcceptOnlyFromAmong, the error names the
    /// option, as every other bad value's does.
    /// </summary>
    public static Option<string> MustBeOneOf(this Option<string> option, params string[] values)
    {
        option.Validators.Add(result =>
        {
            if (TryGetValue<string>(result, out var value) && value is not null && !values.Contains(value, StringComparer.Ordinal))
            {
                result.AddError(Invalid(result, $"'{value}'", $"must be one of {string.Join(", ", values)}"));
            }
        });
        return option;
    }

    /// <summary>Requires a value in <paramref name="min"/>..<paramref name="max"/>, both inclusive.</summary>
    public static Option<int> MustBeInRange(this Option<int> option, int min, int max)
    {
        option.Validators.Add(result =>
        {
            if (!TryGetValue<int>(result, out var value))
            {
                return;
            }

            if (value < min || value > max)
            {
                result.AddError(Invalid(result, value.ToString(CultureInfo.InvariantCulture),
                    $"must be between {min} and {max}"));
            }
        });
        return option;
    }

    /// <summary>
    /// Requires a probability in [0, 1). One is excluded because a link that drops, corrupts or
    /// duplicates every packet never lets a transfer finish; the comparison is written so NaN fails too.
    /// </summary>
    public static Option<double> MustBeProbability(this Option<double> option)
    {
        option.Validators.Add(result =>
        {
            if (!TryGetValue<double>(result, out var value))
            {
                return;
            }

            if (!(value >= 0 && value < 1))
            {
                result.AddError(Invalid(result, value.ToString("R", CultureInfo.InvariantCulture),
                    "must be a probability at least 0 and below 1"));
            }
        });
        return option;
    }

    /// <summary>
    /// Requires a file path whose directory exists, so a typo is reported up front rather than after
    /// a long run when the capture is written.
    /// </summary>
    public static Option<string> MustBeWritableFilePath(this Option<string> option)
    {
        option.Validators.Add(result =>
        {
            if (!TryGetValue<string>(result, out var value))
            {
                return;
            }

            if (string.IsNullOrWhiteSpace(value))
            {
                result.AddError(Invalid(result, "''", "must be a file path"));
                return;
            }

            var directory = Path.GetDirectoryName(Path.GetFullPath(value));
            if (directory is not null && !Directory.Exists(directory))
            {
                result.AddError(Invalid(result, $"'{value}'", $"directory '{directory}' does not exist"));
            }
        });
        return option;
    }

    /// <summary>
    /// Gives every whole-number and decimal option of <paramref name="command"/> and its subcommands a parser whose
    /// error says in words what the option takes. The parser's own message names the .NET type ("Cannot parse
    /// argument '10kb' for option '--bytes' as expected type 'System.Int64'"), which tells a user nothing.
    /// </summary>
    public static void UseReadableNumberErrors(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (Option option in command.Options)
        {
            switch (option)
            {
                case Option<int> { CustomParser: null } whole:
                    whole.CustomParser = result => ParseNumber<int>(result, NumberStyles.Integer, WholeNumber);
                    break;
                case Option<long> { CustomParser: null } whole:
                    whole.CustomParser = result => ParseNumber<long>(result, NumberStyles.Integer, WholeNumber);
                    break;
                case Option<double> { CustomParser: null } number:
                    number.CustomParser = result => ParseNumber<double>(result, NumberStyles.Float, DecimalNumber);
                    break;
            }
        }

        foreach (Command subcommand in command.Subcommands)
        {
            UseReadableNumberErrors(subcommand);
        }
    }

    private const string WholeNumber = "must be a whole number in digits, without a unit or suffix";

    private const string DecimalNumber = "must be a number in digits (a point before any decimals), without a unit or suffix";

    private static T ParseNumber<T>(ArgumentResult result, NumberStyles styles, string requirement)
        where T : INumberBase<T>
    {
        // One value per option: the last occurrence wins, as with the parser's own conversion.
        string text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[^1].Value;
        if (T.TryParse(text, styles, CultureInfo.InvariantCulture, out T? value))
        {
            return value;
        }

        string name = result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
        result.AddError($"Invalid value '{text}' for option '{name}': {requirement}.");
        return T.Zero;
    }

    /// <summary>
    /// Reads the converted value, or reports false when the text did not convert (e.g. "--bytes abc").
    /// Validators run even then, before the conversion error is recorded, and reading the value throws
    /// InvalidOperationException out of Parse. The parser reports that conversion error itself, naming
    /// the option, so the validator only has to stay out of the way.
    /// </summary>
    internal static bool TryGetValue<T>(OptionResult result, out T value)
    {
        try
        {
            value = result.GetValueOrDefault<T>()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }

    internal static string Invalid(OptionResult result, string value, string requirement) =>
        $"Invalid value {value} for option '{result.Option.Name}': {requirement}.";
}
