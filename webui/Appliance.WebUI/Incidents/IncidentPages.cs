using Appliance.Journal.Incidents;
using Appliance.WebUI.Pages;

namespace Appliance.WebUI.Incidents;

/// <summary>The DSL's inbox: incidents and alerts, newest first.</summary>
public sealed record IncidentsPage(PageFrame Frame, IReadOnlyList<InboxItem> Items, string? Message, bool IsError);

/// <summary>One incident: its triage (acknowledge, close, notes) and its evidence.</summary>
public sealed record IncidentPage(PageFrame Frame, Incident Incident, IReadOnlyList<IncidentNote> Notes, string? Message, bool IsError);

/// <summary>The virtual panel on the dashboard, with the virtual panic button when the panel is simulated.</summary>
public sealed record PanelLedsModel(PageFrame Frame, VirtualPanel Panel, string? Message, bool IsError);
