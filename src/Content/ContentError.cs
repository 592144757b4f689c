namespace OimBot.Content;

public enum Severity
{
    Error,
    Warning,
}

/// <summary>A problem found in a content or facts file, printed as <c>file:line: error: message</c>.</summary>
public sealed record ContentError(string File, int Line, Severity Severity, string Message)
{
    public static ContentError At(SourceLocation at, string message) => new(at.File, at.Line, Severity.Error, message);

    public static ContentError WarningAt(SourceLocation at, string message) => new(at.File, at.Line, Severity.Warning, message);

    public override string ToString() =>
        $"{File}:{Line}: {(Severity == Severity.Error ? "error" : "warning")}: {Message}";
}

/// <summary>Where something was written: a file relative to the folder that was loaded, and a 1-based line.</summary>
public readonly record struct SourceLocation(string File, int Line)
{
    public override string ToString() => $"{File}:{Line}";
}
