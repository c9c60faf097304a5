// The tests run CRIU fixtures, shell scripts and Unix file modes: Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
