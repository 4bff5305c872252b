namespace Appliance.WebUI;

/// <summary>The one stylesheet: small, readable, high contrast (WCAG AA), no web fonts, nothing fetched from elsewhere.</summary>
internal static class Styles
{
    public const string Css = """
        body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #111; background: #fff; }
        header { display: flex; gap: 1rem; align-items: center; padding: .5rem 1rem; background: #1b365d; color: #fff; }
        header a, header button { color: #fff; }
        header .box { font-weight: 700; }
        header .signout { margin-left: auto; display: flex; gap: .5rem; align-items: center; }
        main { max-width: 60rem; margin: 1rem auto; padding: 0 1rem; }
        label { display: block; margin-top: .75rem; font-weight: 600; }
        input { font: inherit; padding: .4rem; width: 100%; max-width: 24rem; border: 1px solid #555; }
        button { font: inherit; margin-top: 1rem; padding: .4rem 1rem; background: #1b365d; color: #fff; border: 1px solid #fff; cursor: pointer; }
        .error { color: #8b0000; font-weight: 600; }
        table { border-collapse: collapse; } th, td { border: 1px solid #999; padding: .25rem .5rem; text-align: left; }
        .status-ok { color: #0a5d00; } .status-degraded { color: #8b0000; }
        """;
}
