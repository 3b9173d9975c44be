using Sock.Cli;

namespace Sock.Tests.Cli;

/// <summary>
/// sock builds only the command a line names (issue 13's start-up): the table that says which command a name builds
/// must agree with the commands themselves, and a line that names no command gets every one.
/// </summary>
public sealed class CommandTableTests
{
    public static TheoryData<string> Names()
    {
        var names = new TheoryData<string>();
        foreach (var (name, _) in SockCommandLine.Commands) names.Add(name);
        return names;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void a_command_named_first_is_built_alone(string name)
    {
        var root = SockCommandLine.Build(SockCommandLine.CommandNamed([name, "--help"]));
        Assert.Equal(name, Assert.Single(root.Subcommands).Name);
    }

    [Fact]
    public void the_whole_tree_has_every_command_of_the_table_in_its_order() =>
        Assert.Equal(SockCommandLine.Commands.Select(c => c.Name), SockCommandLine.Build().Subcommands.Select(c => c.Name));

    [Theory]
    [InlineData("stat -s", "stat")]
    [InlineData("--trace stat -s", "stat")]
    [InlineData("--debug --trace services 80", "services")]
    [InlineData("--help", null)]
    [InlineData("", null)]
    [InlineData("stats -s", null)]
    [InlineData("--trace true stat", null)]
    [InlineData("80 services", null)]
    public void only_a_first_word_that_is_a_command_narrows_the_tree(string line, string? command) =>
        Assert.Equal(command, SockCommandLine.CommandNamed(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
}
