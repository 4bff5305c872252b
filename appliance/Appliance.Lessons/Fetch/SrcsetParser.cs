namespace Appliance.Lessons.Fetch;

/// <summary>
/// The URLs of a <c>srcset</c> attribute, with their offsets so they can be rewritten in place. Follows WHATWG HTML
/// §4.8.4.3.10 "parse a srcset attribute" as far as URLs go: candidates are separated by commas; a URL is a run
/// of non-whitespace (trailing commas are not part of it); descriptors run to the next comma outside parentheses.
/// </summary>
public static class SrcsetParser
{
    /// <summary>(offset, length) of each candidate's URL in <paramref name="srcset"/>.</summary>
    public static List<(int Start, int Length)> Urls(string srcset)
    {
        var urls = new List<(int, int)>();
        var i = 0;
        while (i < srcset.Length && urls.Count < CssUrlScanner.MaxReferences)
        {
            while (i < srcset.Length && (IsWhitespace(srcset[i]) || srcset[i] == ','))
            {
                i++;
            }

            if (i >= srcset.Length)
            {
                break;
            }

            var start = i;
            while (i < srcset.Length && !IsWhitespace(srcset[i]))
            {
                i++;
            }

            var end = i;
            if (srcset[end - 1] == ',')
            {
                // The URL ends in commas: they are separators and there are no descriptors.
                while (end > start && srcset[end - 1] == ',')
                {
                    end--;
                }

                if (end > start)
                {
                    urls.Add((start, end - start));
                }

                continue;
            }

            urls.Add((start, end - start));
            SkipDescriptors(srcset, ref i);
        }

        return urls;
    }

    private static void SkipDescriptors(string srcset, ref int i)
    {
        var inParens = false;
        while (i < srcset.Length)
        {
            var c = srcset[i++];
            if (c == '(')
            {
                inParens = true;
            }
            else if (c == ')')
            {
                inParens = false;
            }
            else if (c == ',' && !inParens)
            {
                return;
            }
        }
    }

    // HTML's "ASCII whitespace".
    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\n' or '\f' or '\r';
}
