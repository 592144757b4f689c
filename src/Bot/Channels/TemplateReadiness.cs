using Microsoft.Extensions.Options;
using OimBot.Bot.Channels.Twilio;
using OimBot.Bot.Channels.WhatsApp;
using OimBot.Bot.ContentHosting;
using OimBot.Content;

namespace OimBot.Bot.Channels;

/// <summary>
/// Start-up check, once the content is loaded: with WhatsApp (Cloud API or Twilio) enabled, a reply that misses the
/// 24-hour window can only reach the person through the "reply waiting" template, so the content must have it and, on
/// Twilio, every template language the served languages use must have its ContentSid. Otherwise start-up stops with
/// the keys to set.
/// </summary>
public sealed class TemplateReadiness(ContentHost content, IOptions<WhatsAppOptions> whatsApp, IOptions<TwilioOptions> twilio) : IHostedService
{
    /// <summary>Run by the service before it listens (one plain message); as a hosted service it guards every other host.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Check();
        return Task.CompletedTask;
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> naming every missing key.</summary>
    public void Check()
    {
        if (!whatsApp.Value.Enabled && !twilio.Value.Enabled)
        {
            return;
        }

        var problems = Problems(content.Current, twilio.Value.Enabled ? twilio.Value : null);
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(TwilioOptions.Section, typeof(TwilioOptions), problems);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>What is missing for templates to be sent (empty when nothing is).</summary>
    public static List<string> Problems(ContentSet content, TwilioOptions? twilio)
    {
        ArgumentNullException.ThrowIfNull(content);
        var problems = new List<string>();
        if (content.Templates.FirstOrDefault(t => t.Id == MessageTemplate.ReplyWaiting) is not { } template)
        {
            problems.Add($"content/{Templates.File} has no '{MessageTemplate.ReplyWaiting}' template: with WhatsApp enabled, a reply after the 24-hour window could not reach anyone.");
            return problems;
        }

        if (twilio is null)
        {
            return problems;
        }

        var sids = twilio.ContentSids.GetValueOrDefault(template.Id) ?? [];
        foreach (var code in content.Languages.Select(l => template.For(l, content.Common.SourceLanguage).Code).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (!sids.ContainsKey(code))
            {
                problems.Add($"Channels:Twilio:ContentSids:{template.Id}:{code} is required when Channels:Twilio:Enabled is true: the ContentSid (HX…) of the '{template.Name}' template approved in '{code}'.");
            }
        }

        return problems;
    }
}
