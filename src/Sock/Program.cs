using Sock.Cli;

// `sock --version` is the start-up benchmark's subject and a common probe: answer it before any command is built.
if (args is ["--version"])
{
    Console.Out.WriteLine(ProductVersion.Text);
    return 0;
}

return await SockCommandLine.RunAsync(args);
