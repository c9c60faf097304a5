namespace Checkpointctl.Core.Analysis.GoRegexp;

/// <summary>A pattern Go's <c>regexp.Compile</c> rejects; the message is Go's error text, word for word.</summary>
public sealed class GoRegexSyntaxException : FormatException
{
    /// <summary>A syntax error: Go's error code (e.g. <c>missing closing )</c>) and the part of the pattern it is about.</summary>
    public GoRegexSyntaxException(string code, string expression)
        : base($"error parsing regexp: {code}: `{expression}`")
    {
        Code = code;
        Expression = expression;
    }

    /// <summary>Go's error code text, e.g. <c>invalid escape sequence</c>.</summary>
    public string Code { get; }

    /// <summary>The part of the pattern Go quotes.</summary>
    public string Expression { get; }
}
