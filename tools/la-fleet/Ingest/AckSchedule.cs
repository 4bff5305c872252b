namespace LaFleet.Ingest;

/// <summary>
/// Which of a box's streams an acknowledgement names: a stream whose stored mark moved, and every stream again at
/// least every <see cref="IngestService.RepeatAckEvery"/>, each on its own clock. (Per box, a stream that moves all
/// the time kept the repeat from ever coming for a quiet one; a box that missed that stream's ack, or had not yet
/// seen the broker's PUBACK when it came, then kept those records and showed them undelivered.)
/// </summary>
internal sealed class AckSchedule
{
    private readonly Dictionary<(string Appliance, string Stream, long Epoch), (long Seq, DateTimeOffset At)> _sent = [];

    public Dictionary<string, long> Due(IEnumerable<StreamProgress> box, DateTimeOffset now)
    {
        var due = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var p in box)
        {
            if (!_sent.TryGetValue((p.Appliance, p.Stream, p.Epoch), out var last) || last.Seq != p.Contiguous || now - last.At >= IngestService.RepeatAckEvery)
            {
                due[p.Stream] = p.Contiguous;
            }
        }

        return due;
    }

    public void Sent(string appliance, long epoch, Dictionary<string, long> acked, DateTimeOffset now)
    {
        foreach (var (stream, seq) in acked)
        {
            _sent[(appliance, stream, epoch)] = (seq, now);
        }
    }
}
