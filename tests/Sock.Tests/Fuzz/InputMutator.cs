using System.Text;

namespace Sock.Tests.Fuzz;

/// <summary>
/// A seeded mutator for text inputs: starts from a corpus of valid inputs and applies a few edits each time — a
/// grammar token inserted, a span deleted, a character replaced (printable, control, non-ASCII), a span repeated many
/// times (deep nesting, long lists, huge numbers), two inputs spliced. The same seed gives the same inputs, so a
/// failure names its seed and input and can be replayed.
/// </summary>
public sealed class InputMutator
{
    /// <summary>Inputs are cut to this length, so one case stays cheap whatever it repeats.</summary>
    public const int MaxLength = 200_000;

    private const string Alphabet = "0123456789abcdefxyzAZ:/.,-=!<>()[]{}*@#%&|'\"\\ \t\n\r\0\u00e9\u202e\uffff";

    private readonly Random _random;
    private readonly IReadOnlyList<string> _corpus;
    private readonly IReadOnlyList<string> _tokens;

    public InputMutator(int seed, IReadOnlyList<string> corpus, IReadOnlyList<string> tokens)
    {
        _random = new Random(seed);
        _corpus = corpus;
        _tokens = tokens;
    }

    /// <summary>The next input: a corpus entry (now and then unchanged) with one to four edits.</summary>
    public string Next()
    {
        var text = new StringBuilder(_corpus[_random.Next(_corpus.Count)]);
        var edits = _random.Next(8) == 0 ? 0 : _random.Next(1, 5);
        for (var i = 0; i < edits; i++) Edit(text);
        return text.Length > MaxLength ? text.ToString(0, MaxLength) : text.ToString();
    }

    /// <summary>The next input as a command line: the text split at spaces, with now and then an empty word.</summary>
    public string[] NextWords()
    {
        var words = Next().Split(' ').ToList();
        if (_random.Next(10) == 0) words.Insert(_random.Next(words.Count + 1), "");
        return [.. words.Where((w, i) => w.Length > 0 || _random.Next(4) == 0)];
    }

    private void Edit(StringBuilder text)
    {
        var at = _random.Next(text.Length + 1);
        switch (_random.Next(7))
        {
            case 0:
                text.Insert(at, _tokens[_random.Next(_tokens.Count)]);
                break;
            case 1 when text.Length > 0:
                text.Remove(at == text.Length ? at - 1 : at, Math.Min(_random.Next(1, 8), text.Length - (at == text.Length ? at - 1 : at)));
                break;
            case 2 when text.Length > 0:
                text[Math.Min(at, text.Length - 1)] = Alphabet[_random.Next(Alphabet.Length)];
                break;
            case 3:
            {
                // A span (or a token) repeated: nesting, long lists, long numbers.
                var piece = text.Length > 0 && _random.Next(2) == 0
                    ? text.ToString(Math.Min(at, text.Length - 1), Math.Min(_random.Next(1, 12), text.Length - Math.Min(at, text.Length - 1)))
                    : _tokens[_random.Next(_tokens.Count)];
                var times = _random.Next(4) == 0 ? _random.Next(1_000, 50_000) : _random.Next(2, 50);
                var repeated = new StringBuilder(piece.Length * times);
                for (var i = 0; i < times && repeated.Length < MaxLength; i++) repeated.Append(piece);
                text.Insert(at, repeated.ToString());
                break;
            }
            case 4:
            {
                var other = _corpus[_random.Next(_corpus.Count)];
                var cut = _random.Next(other.Length + 1);
                text.Insert(at, _random.Next(2) == 0 ? other[cut..] : other[..cut]);
                break;
            }
            case 5:
                text.Insert(at, _random.Next(3) switch
                {
                    0 => "9999999999999999999999",
                    1 => "-" + _random.Next(),
                    _ => _random.NextInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
                });
                break;
            default:
                text.Insert(at, Alphabet[_random.Next(Alphabet.Length)]);
                break;
        }
    }
}
