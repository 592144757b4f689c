using OimBot.Analytics;

namespace OimBot.Analytics.Tests;

public class AnalyticsEventTests
{
    /// <summary>R3: an event is what happened, where, in which language and on which day; adding a field is a reviewed change.</summary>
    [Fact]
    public void Event_HasOnlyTheAllowListedFields()
    {
        var fields = typeof(AnalyticsEvent).GetProperties().Select(p => $"{p.Name}:{p.PropertyType.Name}").Order(StringComparer.Ordinal);
        Assert.Equal(
            ["Channel:String", "ContentVersion:String", "Day:DateOnly", "Kind:EventKind", "Language:String", "NodeId:String", "Topic:String", "Value:String"],
            fields);
    }

    [Fact]
    public void Event_CarriesTheDayAndNoFinerTime()
    {
        Assert.DoesNotContain(typeof(AnalyticsEvent).GetProperties(), p => p.PropertyType == typeof(DateTime) || p.PropertyType == typeof(DateTimeOffset) || p.PropertyType == typeof(TimeOnly));
    }

    [Fact]
    public void EventKinds_AreAClosedList()
    {
        Assert.Contains(EventKind.HandoffRequested, Enum.GetValues<EventKind>());
        Assert.Contains(EventKind.DeleteRequested, Enum.GetValues<EventKind>());
        Assert.Contains(EventKind.SatisfactionGiven, Enum.GetValues<EventKind>());
        Assert.Contains(EventKind.ClarificationAsked, Enum.GetValues<EventKind>());
        Assert.Contains(EventKind.WebChatRefused, Enum.GetValues<EventKind>());
        Assert.Equal(23, Enum.GetValues<EventKind>().Length);
    }
}
