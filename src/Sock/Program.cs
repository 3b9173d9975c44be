using Sock.Cli;
using Sock.Core.Sockets;

// `sock --version` is the start-up benchmark's subject and a common probe: answer it before any command is built.
if (args is ["--version"])
{
    Console.Out.WriteLine(ProductVersion.Text);
    return 0;
}

// Before the runtime loads the rest of itself: with too few open files it fails while loading (a missing assembly, a
// type initializer), so the soft limit goes up to the hard one, and below the minimum sock says so and stops.
if (OpenFileLimit.RaiseToHard() is { } openFiles && openFiles < OpenFileLimit.Minimum)
{
    Console.Error.WriteLine($"sock: too few file descriptors (ulimit -n {openFiles}); at least {OpenFileLimit.Minimum} needed");
    return ExitCodes.NetworkError;
}

return await SockCommandLine.RunAsync(args);
