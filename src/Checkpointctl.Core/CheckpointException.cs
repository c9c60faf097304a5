namespace Checkpointctl.Core;

/// <summary>An error caused by the input (a missing, malformed or hostile checkpoint). Its message is written for users.</summary>
public class CheckpointException : Exception
{
    public CheckpointException(string message) : base(message) { }
    public CheckpointException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The checkpoint lacks a member or image that the requested answer needs.</summary>
public sealed class MissingCheckpointDataException : CheckpointException
{
    public MissingCheckpointDataException(string message) : base(message) { }
}

/// <summary>A member or image is malformed: truncated, oversized or not of the expected format.</summary>
public sealed class InvalidCheckpointException : CheckpointException
{
    public InvalidCheckpointException(string message) : base(message) { }
    public InvalidCheckpointException(string message, Exception inner) : base(message, inner) { }
}
