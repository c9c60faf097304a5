namespace Checkpointctl.Core;

/// <summary>An error caused by the input (a missing, malformed or hostile checkpoint). Its message is written for users.</summary>
public class CheckpointException : Exception
{
    /// <summary>An error with a message for users.</summary>
    public CheckpointException(string message) : base(message) { }
    /// <summary>An error with a message for users, caused by <paramref name="inner"/>.</summary>
    public CheckpointException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The checkpoint lacks a member or image that the requested answer needs.</summary>
public sealed class MissingCheckpointDataException : CheckpointException
{
    /// <summary>The member or image named in <paramref name="message"/> is missing.</summary>
    public MissingCheckpointDataException(string message) : base(message) { }
}

/// <summary>A member or image is malformed: truncated, oversized or not of the expected format.</summary>
public sealed class InvalidCheckpointException : CheckpointException
{
    /// <summary>A malformed member or image, described for users.</summary>
    public InvalidCheckpointException(string message) : base(message) { }
    /// <summary>A malformed member or image, described for users, found through <paramref name="inner"/>.</summary>
    public InvalidCheckpointException(string message, Exception inner) : base(message, inner) { }
}
