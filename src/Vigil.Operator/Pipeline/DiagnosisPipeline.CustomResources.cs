using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Vigil.Delivery;
using Vigil.Kubernetes.Http;
using Vigil.Kubernetes.Models;
using Vigil.Operator.Extensions;

namespace Vigil.Operator.Pipeline;

/// <summary>Detector, Policy, Sink and Gatherer resources, applied to the running pipeline without a restart.</summary>
public sealed partial class DiagnosisPipeline
{
    private DetectorResources? _detectorResources;
    private PolicyResources? _policyResources;
    private SinkResources? _sinkResources;
    private GathererResources? _gathererResources;
    private readonly ConditionalWeakTable<ISink, ISink> _timedSinks = [];

    /// <summary>The Detector resources in force, when custom resources are on and installed.</summary>
    public DetectorResources? DetectorResources => _detectorResources;

    public PolicyResources? PolicyResources => _policyResources;

    public SinkResources? SinkResources => _sinkResources;

    public GathererResources? GathererResources => _gathererResources;

    private static bool IsCustom(Diagnosis.EvidenceSection section) => section.Gatherer == nameof(Diagnosis.Gathering.Custom.CustomGatherer);

    /// <summary>Creates the reconcilers (before the informer factory starts, so their informers start with the others).</summary>
    private async Task AddCustomResourcesAsync(CancellationToken cancellationToken)
    {
        if (!_options.CustomResources) return;
        try
        {
            await _client.Discovery.ResolveKindAsync("vigil.io/v1alpha1", "Detector", cancellationToken);
        }
        catch (KubernetesApiException e) when (e.Status.Code == 404)
        {
            LogCustomResourcesMissing(_logger);
            return;
        }
        var namespaces = _informers.For<Namespace>();
        _detectorResources = new DetectorResources(_client, _informers, _options.SystemNamespace,
            new NamespaceLookup(() => namespaces.Indexer.List().Select(n => n.Metadata.Name!), n => namespaces.Indexer.Get(null, n)?.Metadata.Labels),
            _time, _logger);
        _policyResources = new PolicyResources(_client, _informers, _options.SystemNamespace, _time, _logger);
        _sinkResources = new SinkResources(_client, _informers, _time, _logger);
        _gathererResources = new GathererResources(_client, _informers, _time, _logger);
        _gathererResources.Changed += () => Collector.SetCustomGatherers(_gathererResources.Active);
        // Detector changes are applied on the detection worker, in order with the events they judge.
        _detectorResources.Changed += () => Post(() => Engine.SetCustomDetectors(_detectorResources.Active));
        Filter.Policies = () => _policyResources.Active;
        Filter.PolicyMatched = _policyResources.RecordMatched;
        _sinkResources.Changed += () => Dispatcher.SetDynamicSinks([.. _sinkResources.Active.Select(s => _timedSinks.GetValue(s, k => new TimedSink(k, Counters, _time, OnDelivered)))]);
    }

    private void StartCustomResources()
    {
        _detectorResources?.Start();
        _policyResources?.Start();
        _sinkResources?.Start();
        _gathererResources?.Start();
    }

    /// <summary>Counts a raised signal of a custom detector into its resource's status.</summary>
    private void RecordCustomSignal(Detection.Signal signal)
    {
        if (_detectorResources is not null && signal.Source.StartsWith("cel:", StringComparison.Ordinal))
            _detectorResources.RecordFired(signal.Source, signal.ObservedAt);
    }

    private async Task StopCustomResourcesAsync()
    {
        if (_detectorResources is not null) await _detectorResources.DisposeAsync();
        if (_policyResources is not null) await _policyResources.DisposeAsync();
        if (_sinkResources is not null) await _sinkResources.DisposeAsync();
        if (_gathererResources is not null) await _gathererResources.DisposeAsync();
    }

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Vigil's CRDs are not installed: Detector, Policy and Sink resources are off (vigil install crds)")]
    private static partial void LogCustomResourcesMissing(ILogger logger);
}
