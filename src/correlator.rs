//! The event correlator: what client-go's event recorder does to an Event before it reaches
//! the API server (`tools/record/events_cache.go`, `EventCorrelate`), so that the store holds
//! the Events a real cluster holds.
//!
//! * **Aggregation** (`EventAggregator`, `EventAggregatorByReasonFunc`): Events are *similar*
//!   when they differ only by message — same source (component, host), involved object (kind,
//!   namespace, name, uid, apiVersion), type, reason, reporting controller and instance. Once
//!   [`AGGREGATE_MAX_EVENTS`] distinct messages of similar Events were seen within
//!   [`AGGREGATE_INTERVAL`] (`defaultAggregateMaxEvents`, `defaultAggregateIntervalInSeconds`),
//!   the next similar Event is recorded as one aggregate Event whose message is
//!   `(combined from similar events): <message>` (`EventAggregatorByReasonMessageFunc`), and
//!   each later one counts that aggregate again. A ReplicaSet creating 100 pods records nine
//!   `SuccessfulCreate` Events and one combined Event with count 91.
//! * **Counting** (`eventLogger.eventObserve`): an Event identical to a recorded one (same
//!   source, object and field path, type, reason, message — `getEventKey`), or an aggregate of
//!   an aggregate already recorded, is not created again: the recorded Event's `count` goes up,
//!   and its `lastTimestamp` and `message` become the new occurrence's (the strategic merge
//!   patch `eventObserve` sends).
//!
//! **The cache is the store.** Upstream keeps the aggregator's and the logger's caches in the
//! recording process's memory; konverge is stateless between commands, so both are derived
//! from the Events already stored about the involved object, deterministically:
//! - the logger's entry for a key is the latest stored Event with that key (for an aggregate:
//!   the similar Event whose message is a combined one); the LRU cache of 4096 entries is not
//!   modelled (the API server's Event TTL bounds the store instead);
//! - the aggregator's record (the messages seen since it was last reset, and when a similar
//!   Event last came) is rebuilt from the similar Events: the record resets when no similar
//!   Event came for more than the interval, so it holds the messages of the individual similar
//!   Events whose `lastTimestamp` lies within the run of occurrences ending now with no gap
//!   longer than the interval ([`session_start`]). A stored Event is known to have occurred at
//!   its `firstTimestamp` and `lastTimestamp`; one of `count` ≥ 3 is taken to have occurred
//!   without such a gap in between when its average spacing is within the interval.
//! - Upstream's record drops an arbitrary message (`PopAny`) each time it aggregates, to stay
//!   below the threshold; here the dropped one is always the message just aggregated (one of
//!   the outcomes upstream allows), so the record is exactly the individual Events' messages.
//!
//! **No spam filter.** `EventSourceObjectSpamFilter` (a token bucket per source and object,
//! burst 25, one token per 300 s) is left out: its bucket depends on the time of every
//! occurrence, and a counted Event keeps only its first and last, so the bucket cannot be
//! rebuilt from the store. Every Event the controllers record reaches the store.

use crate::event::Event;
use crate::model::ObjKey;
use std::collections::BTreeSet;

/// `defaultAggregateMaxEvents`: distinct messages of similar Events before they aggregate.
pub const AGGREGATE_MAX_EVENTS: usize = 10;

/// `defaultAggregateIntervalInSeconds`: a similar Event that comes later than this after the
/// previous one starts the count of distinct messages over.
pub const AGGREGATE_INTERVAL: i64 = 600;

/// What `EventAggregatorByReasonMessageFunc` puts before an aggregate Event's message.
pub const COMBINED_PREFIX: &str = "(combined from similar events): ";

/// What the correlator makes of a new Event.
#[derive(Debug, Clone, PartialEq)]
pub enum Correlated {
    /// Create this Event (the new one, or a new aggregate of it).
    Create(Event),
    /// Replace the stored Event at this key: counted once more.
    Update(ObjKey, Event),
}

impl Correlated {
    /// The Event as it will be stored.
    pub fn event(&self) -> &Event {
        match self {
            Correlated::Create(e) | Correlated::Update(_, e) => e,
        }
    }

    /// Whether the Event is an aggregate.
    pub fn combined(&self) -> bool {
        is_combined(self.event())
    }
}

/// `EventAggregatorByReasonFunc`'s aggregate key: the fields similar Events share.
const AGGREGATE_KEY: [&[&str]; 11] = [
    &["source", "component"],
    &["source", "host"],
    &["involvedObject", "kind"],
    &["involvedObject", "namespace"],
    &["involvedObject", "name"],
    &["involvedObject", "uid"],
    &["involvedObject", "apiVersion"],
    &["type"],
    &["reason"],
    &["reportingComponent"],
    &["reportingInstance"],
];

/// `getEventKey`: the fields identical Events share.
const EVENT_KEY: [&[&str]; 11] = [
    &["source", "component"],
    &["source", "host"],
    &["involvedObject", "kind"],
    &["involvedObject", "namespace"],
    &["involvedObject", "name"],
    &["involvedObject", "fieldPath"],
    &["involvedObject", "uid"],
    &["involvedObject", "apiVersion"],
    &["type"],
    &["reason"],
    &["message"],
];

/// An Event's values of the `fields` of a key.
fn key<'e>(ev: &'e Event, fields: &[&[&str]; 11]) -> [&'e str; 11] {
    fields.map(|path| ev.text(path))
}

/// Whether two Events are similar (`EventAggregatorByReasonFunc` gives them one aggregate key).
pub fn similar(a: &Event, b: &Event) -> bool {
    key(a, &AGGREGATE_KEY) == key(b, &AGGREGATE_KEY)
}

/// Whether two Events are the same Event (`getEventKey`).
pub fn identical(a: &Event, b: &Event) -> bool {
    key(a, &EVENT_KEY) == key(b, &EVENT_KEY)
}

/// `EventAggregatorByReasonMessageFunc`.
pub fn combined_message(message: &str) -> String {
    format!("{COMBINED_PREFIX}{message}")
}

/// Whether an Event is an aggregate of similar Events.
pub fn is_combined(ev: &Event) -> bool {
    ev.message().starts_with(COMBINED_PREFIX)
}

/// An Event's message without the aggregate's prefix: the words of its latest occurrence.
pub fn original_message(message: &str) -> &str {
    message.strip_prefix(COMBINED_PREFIX).unwrap_or(message)
}

/// When the stored Event last occurred, then its resourceVersion (which tells apart Events of
/// one second).
fn latest(ev: &Event) -> (i64, u64) {
    (ev.last_time().unwrap_or(i64::MIN), ev.resource_version())
}

/// When the aggregator's record for these similar Events was last reset, seen from `now`: the
/// start of the run of their occurrences that reaches `now` with no gap longer than
/// [`AGGREGATE_INTERVAL`] (`now` itself when the latest is further back).
pub fn session_start<'a>(similar: impl IntoIterator<Item = &'a Event>, now: i64) -> i64 {
    let mut stretches: Vec<(i64, i64)> = Vec::new();
    for ev in similar {
        let Some(last) = ev.last_time() else { continue };
        let first = ev.first_time().unwrap_or(last).min(last);
        let count = ev.count().unwrap_or(1).max(1);
        if count >= 2 && last - first <= AGGREGATE_INTERVAL.saturating_mul(count - 1) {
            stretches.push((first, last));
        } else {
            stretches.push((first, first));
            stretches.push((last, last));
        }
    }
    stretches.sort_unstable_by_key(|&(_, end)| std::cmp::Reverse(end));
    let mut start = now;
    for (from, to) in stretches {
        if start - to > AGGREGATE_INTERVAL {
            break;
        }
        start = start.min(from);
    }
    start
}

/// `EventCorrelate` (the spam filter aside): what to write for `new`, an Event as the recorder
/// makes it (count 1, first and last timestamp `now`, a fresh name), given `stored`, the Events
/// already stored about its object.
pub fn correlate(stored: &[(&ObjKey, &Event)], new: Event, now: i64) -> Correlated {
    // EventAggregate: the distinct messages of the similar Events since the record's reset.
    let similar: Vec<(&ObjKey, &Event)> = stored.iter().copied().filter(|(_, e)| similar(e, &new)).collect();
    let start = session_start(similar.iter().map(|&(_, e)| e), now);
    let mut messages: BTreeSet<&str> = similar
        .iter()
        .filter(|(_, e)| !is_combined(e) && e.last_time().is_some_and(|t| t >= start))
        .map(|(_, e)| e.message())
        .collect();
    messages.insert(new.message());
    if messages.len() < AGGREGATE_MAX_EVENTS {
        let recorded =
            stored.iter().copied().filter(|(_, e)| identical(e, &new)).max_by_key(|(_, e)| latest(e));
        return observe(recorded, new, now);
    }
    let combined = combined_message(new.message());
    let mut aggregate = new;
    aggregate.set_message(combined);
    let recorded = similar.into_iter().filter(|(_, e)| is_combined(e)).max_by_key(|(_, e)| latest(e));
    observe(recorded, aggregate, now)
}

/// `eventObserve`: `recorded` (the logger's cache entry for the Event's key: the latest stored
/// Event with that key) counted once more, or `new` created when there is none.
fn observe(recorded: Option<(&ObjKey, &Event)>, new: Event, now: i64) -> Correlated {
    match recorded {
        Some((key, old)) => {
            let mut ev = old.clone();
            ev.observe(now, new.message());
            Correlated::Update(key.clone(), ev)
        }
        None => Correlated::Create(new),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model;
    use serde_json::{json, Value};
    use std::collections::BTreeMap;

    /// A store of Events and a clock, recording Events through [`correlate`] the way the API
    /// server model does.
    struct Recorder {
        store: BTreeMap<ObjKey, Event>,
        now: i64,
        seq: u64,
    }

    impl Recorder {
        fn new() -> Recorder {
            Recorder { store: BTreeMap::new(), now: 1_700_000_000, seq: 0 }
        }

        /// Record `ev` now; what was stored.
        fn record(&mut self, mut ev: Value) -> Value {
            let now = model::fmt_time(self.now);
            ev["firstTimestamp"] = json!(now);
            ev["lastTimestamp"] = json!(now);
            let stored: Vec<(&ObjKey, &Event)> = self.store.iter().collect();
            let correlated = correlate(&stored, Event::Other(ev), self.now);
            self.seq += 1;
            let (key, ev) = match correlated {
                Correlated::Create(ev) => {
                    let name = format!("{}.{:x}", ev.involved("name"), self.seq);
                    (ObjKey::new("Event", ev.involved("namespace"), &name), ev)
                }
                Correlated::Update(key, ev) => (key, ev),
            };
            let mut tree = ev.to_value(&key).into_owned();
            tree["metadata"] = json!({"name": key.name, "resourceVersion": self.seq.to_string()});
            self.store.insert(key, Event::Other(tree.clone()));
            tree
        }
    }

    /// `makeObjectReference`.
    fn object_reference(kind: &str, name: &str, namespace: &str) -> Value {
        json!({"kind": kind, "name": name, "namespace": namespace, "uid": "C934D34AFB20242",
               "apiVersion": "version", "fieldPath": "spec.containers{mycontainer}"})
    }

    /// `makeEvent`.
    fn make_event(reason: &str, message: &str, involved: Value) -> Value {
        json!({"reason": reason, "message": message, "involvedObject": involved,
               "source": {"component": "kubelet", "host": "kublet.node1"}, "count": 1, "type": "Normal"})
    }

    /// `makeUniqueEvents`.
    fn unique_events(n: usize) -> Vec<Value> {
        (0..n)
            .map(|i| {
                let involved = object_reference("Pod", &format!("pod-{i}"), &format!("ns-{i}"));
                make_event(&format!("reason-{i}"), &format!("message-{i}"), involved)
            })
            .collect()
    }

    /// `makeSimilarEvents`: the template with messages `<prefix>-<i>-<message>`.
    fn similar_events(n: usize, template: &Value, prefix: &str) -> Vec<Value> {
        (0..n)
            .map(|i| {
                let mut ev = template.clone();
                ev["message"] = json!(format!("{prefix}-{i}-{}", model::str_at(template, &["message"])));
                ev
            })
            .collect()
    }

    /// `TestEventCorrelator`: each case plays the previous Events, then the new one, on a clock
    /// that moves `interval` seconds at each of its three readings per Event (upstream's
    /// `IntervalClock` is read for the Event's timestamps, by the aggregator and by the spam
    /// filter), and checks what is recorded: the message and the count.
    #[test]
    fn event_correlator() {
        let pod = || object_reference("Pod", "my-pod", "my-ns");
        let first = make_event("first", "i am first", pod());
        let duplicate = make_event("duplicate", "me again", pod());
        let unique = make_event("unique", "snowflake", pod());
        let mut similar = make_event("similar", "similar message", pod());
        similar["involvedObject"]["fieldPath"] = json!("spec.containers{container1}");
        let aggregate = combined_message("similar message");
        let mut other_container = similar.clone();
        other_container["involvedObject"]["fieldPath"] = json!("spec.containers{container2}");
        let repeat = |n: usize, ev: &Value| vec![ev.clone(); n];
        let similars = |n: usize| similar_events(n, &similar, "similar message");
        /// (upstream scenario, previous events, new event, (message, count), interval)
        type Case<'a> = (&'a str, Vec<Value>, &'a Value, (&'a str, i64), i64);
        let cases: Vec<Case> = vec![
            ("create-a-single-event", vec![], &first, ("i am first", 1), 5),
            ("the-same-event-should-just-count", repeat(1, &duplicate), &duplicate, ("me again", 2), 5),
            (
                "the-same-event-should-just-count-even-if-more-than-aggregate",
                repeat(AGGREGATE_MAX_EVENTS, &duplicate),
                &duplicate,
                ("me again", AGGREGATE_MAX_EVENTS as i64 + 1),
                30,
            ),
            // "the-same-event-is-spam-if-happens-too-frequently" is not transcribed: konverge
            // has no spam filter (see the module documentation).
            ("create-many-unique-events", unique_events(30), &unique, ("snowflake", 1), 5),
            (
                "similar-events-should-aggregate-event",
                similars(AGGREGATE_MAX_EVENTS - 1),
                &similar,
                (&aggregate, 1),
                5,
            ),
            (
                "similar-events-many-times-should-count-the-aggregate",
                similars(AGGREGATE_MAX_EVENTS),
                &similar,
                (&aggregate, 2),
                5,
            ),
            (
                "events-from-different-containers-do-not-aggregate",
                repeat(1, &other_container),
                &similar,
                ("similar message", 1),
                5,
            ),
            (
                "similar-events-whose-interval-is-greater-than-aggregate-interval-do-not-aggregate",
                similars(AGGREGATE_MAX_EVENTS - 1),
                &similar,
                ("similar message", 1),
                AGGREGATE_INTERVAL,
            ),
        ];
        for (scenario, previous, new, (message, count), interval) in cases {
            let mut r = Recorder::new();
            for ev in previous {
                r.now += 3 * interval;
                r.record(ev);
            }
            r.now += 3 * interval;
            let got = r.record(new.clone());
            assert_eq!(
                (model::str_at(&got, &["message"]), model::i64_at(&got, &["count"])),
                (message, Some(count)),
                "{scenario}"
            );
            // validateEvent: first and last seen differ exactly when the Event was counted.
            let seen = (model::str_at(&got, &["firstTimestamp"]), model::str_at(&got, &["lastTimestamp"]));
            assert_eq!(seen.0 == seen.1, count == 1, "{scenario}: {seen:?}");
            assert_eq!(model::str_at(&got, &["reason"]), model::str_at(new, &["reason"]), "{scenario}");
        }
    }

    /// `TestEventAggregatorByReasonFunc`: Events that differ only by message are similar, not
    /// identical; another reason is neither.
    #[test]
    fn aggregator_by_reason() {
        let pod = json!({"kind": "Pod", "name": "pod1", "namespace": "other", "uid": "u"});
        let e1 = Event::Other(make_event("end-of-world", "it was fun", pod.clone()));
        let e2 = Event::Other(make_event("end-of-world", "it was awful", pod.clone()));
        let e3 = Event::Other(make_event("nevermind", "it was a bug", pod));
        assert!(similar(&e1, &e2) && !identical(&e1, &e2));
        assert!(!similar(&e1, &e3));
        // `TestEventAggregatorByReasonMessageFunc`.
        assert_eq!(combined_message("it was fun"), "(combined from similar events): it was fun");
        assert_eq!(original_message(&combined_message("it was fun")), "it was fun");
    }

    /// A ReplicaSet creating 100 pods in one minute: nine `SuccessfulCreate` Events, then one
    /// aggregate counted 91 times, whose message is the latest create's. A message seen before
    /// the aggregate counts its own Event again (the aggregator dropped the aggregated message,
    /// not that one). After ten quiet minutes the count of distinct messages starts over, and the
    /// aggregate Event is counted again once ten more came.
    #[test]
    fn a_hundred_creates_fold_into_one_aggregate() {
        let rs = json!({"kind": "ReplicaSet", "name": "web", "namespace": "default", "uid": "rs-1", "apiVersion": "apps/v1"});
        let created = |i: usize| {
            let mut ev = make_event("SuccessfulCreate", &format!("Created pod: web-{i:03}"), rs.clone());
            ev["source"] = json!({"component": "replicaset-controller"});
            ev
        };
        let mut r = Recorder::new();
        for i in 0..100 {
            if i % 2 == 0 {
                r.now += 1;
            }
            r.record(created(i));
        }
        // An Event without a count reads -1, which no assertion below accepts.
        let counts = |r: &Recorder| -> Vec<(String, i64)> {
            r.store.values().map(|e| (e.message().to_string(), e.count().unwrap_or(-1))).collect()
        };
        let got = counts(&r);
        assert_eq!(got.len(), 10, "{got:?}");
        assert_eq!(got.iter().filter(|(m, c)| m.starts_with("Created pod: ") && *c == 1).count(), 9);
        assert!(
            got.contains(&("(combined from similar events): Created pod: web-099".to_string(), 91)),
            "{got:?}"
        );
        r.now += 1;
        r.record(created(3));
        assert!(counts(&r).contains(&("Created pod: web-003".to_string(), 2)));
        r.now += AGGREGATE_INTERVAL + 1;
        for i in 100..109 {
            let message = r.record(created(i))["message"].as_str().map(str::to_string);
            assert!(message.is_some_and(|m| !m.starts_with(COMBINED_PREFIX)), "{i}");
        }
        let again = r.record(created(109));
        assert_eq!(
            (again["message"].as_str(), again["count"].as_i64()),
            (Some("(combined from similar events): Created pod: web-109"), Some(92))
        );
    }

    /// The aggregator's record is rebuilt from the similar Events: its reset lies at the last gap
    /// of more than the interval before now; a counted Event bridges the time between its first
    /// and last occurrence when its occurrences came at most the interval apart on average.
    #[test]
    fn the_record_resets_after_a_quiet_interval() {
        let ev = |first: i64, last: i64, count: i64| {
            Event::Other(
                json!({"firstTimestamp": model::fmt_time(first), "lastTimestamp": model::fmt_time(last), "count": count}),
            )
        };
        let start = |evs: &[Event], now: i64| session_start(evs, now);
        assert_eq!(start(&[], 1000), 1000);
        assert_eq!(start(&[ev(100, 100, 1)], 700), 100);
        assert_eq!(start(&[ev(100, 100, 1)], 701), 701, "more than the interval: reset");
        assert_eq!(start(&[ev(0, 0, 1), ev(600, 600, 1), ev(1200, 1200, 1)], 1800), 0);
        assert_eq!(start(&[ev(0, 0, 1), ev(601, 601, 1), ev(1200, 1200, 1)], 1800), 601);
        assert_eq!(start(&[ev(0, 3000, 6)], 3100), 0, "five gaps of 600 s at most on average");
        assert_eq!(start(&[ev(0, 3000, 2)], 3100), 3000, "one gap of 3000 s");
    }
}
