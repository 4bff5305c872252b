using System.Buffers;

namespace Appliance.Core.Lists;

/// <summary>
/// Reads a text list line by line as spans over one pooled buffer: no string per line. A list reload runs while
/// the resolver answers at full rate, and every string it made would be garbage to collect, and every collection
/// pauses the answering threads too. A line longer than the buffer (64 Ki characters, never a real list entry)
/// is returned cut at that length and its rest is skipped.
/// </summary>
public sealed class LineReader : IDisposable
{
    private const int BufferChars = 64 * 1024;

    private readonly TextReader _reader;
    private char[] _buffer = ArrayPool<char>.Shared.Rent(BufferChars);
    private int _start;
    private int _end;
    private bool _eof;
    private bool _skipToNewline;

    public LineReader(TextReader reader) => _reader = reader;

    /// <summary>The next line without its line ending; false at the end of the input.</summary>
    public bool TryReadLine(out ReadOnlySpan<char> line)
    {
        while (true)
        {
            var pending = _buffer.AsSpan(_start, _end - _start);
            var newline = pending.IndexOf('\n');
            if (newline >= 0)
            {
                _start += newline + 1;
                if (_skipToNewline)
                {
                    _skipToNewline = false;
                    continue;
                }

                line = pending[..newline];
                return true;
            }

            if (_eof)
            {
                _start = _end;
                line = pending;
                var had = !pending.IsEmpty && !_skipToNewline;
                _skipToNewline = false;
                return had;
            }

            if (_start == 0 && _end == _buffer.Length)
            {
                // A line longer than the buffer: hand out what fits, drop the rest up to the next newline.
                _start = _end = 0;
                var wasSkipping = _skipToNewline;
                _skipToNewline = true;
                if (!wasSkipping)
                {
                    line = _buffer;
                    return true;
                }

                continue;
            }

            pending.CopyTo(_buffer);
            _end -= _start;
            _start = 0;
            var read = _reader.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _eof = true;
            }

            _end += read;
        }
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<char>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}
