//! The work one run may do. Valid input can ask for absurd work (`replicas: 0x7fffffff` is
//! a legal int32): before each step the driver checks that no object asks for more objects
//! than the run's budget has left, and stops early (exit 3) naming the object, the field and
//! the number that ran away. The budget bounds memory too: every object costs about the same.
//!
//! Events do not count: no controller asks for them, the API server expires them an hour after
//! they last occurred, and a cluster of Kubernetes' largest supported size (150,000 pods) holds
//! several per pod — counting them stopped that cluster's rolling update as a runaway.
//!
//! The default, [`DEFAULT_MAX_OBJECTS`], is well above the largest benchmark (150,000 pods);
//! `--max-objects` raises or lowers it.

use crate::model::{self, ObjKey};
use crate::state::State;
use serde_json::Value;

/// Objects a run may have in its store by default.
pub const DEFAULT_MAX_OBJECTS: usize = 1_000_000;

/// An object asking for more objects than the budget allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Runaway {
    pub key: ObjKey,
    /// The field that asks (`spec.replicas`).
    pub field: &'static str,
    pub asked: i64,
    pub budget: usize,
}

/// The count fields through which an object asks controllers for objects.
fn asks(kind: &str) -> &'static [&'static str] {
    match kind {
        "ReplicaSet" | "ReplicationController" | "Deployment" | "StatefulSet" => &["spec.replicas"],
        "Job" => &["spec.parallelism", "spec.completions"],
        _ => &[],
    }
}

fn count_at(obj: &Value, field: &str) -> Option<i64> {
    let path: Vec<&str> = field.split('.').collect();
    model::i64_at(obj, &path)
}

/// The first object (in key order) asking for more objects than `max_objects` allows on top
/// of what the store holds.
pub fn runaway(state: &State, max_objects: usize) -> Option<Runaway> {
    let room = max_objects.saturating_sub(state.objects.len());
    state.objects.iter().find_map(|(key, obj)| {
        asks(&key.kind).iter().find_map(|field| {
            let asked = count_at(obj, field)?;
            (usize::try_from(asked).is_ok_and(|n| n > room)).then(|| Runaway {
                key: key.clone(),
                field,
                asked,
                budget: max_objects,
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_the_object_and_number_that_ran_away() {
        let mut s = State::empty();
        let rs = json!({"kind": "ReplicaSet", "metadata": {"name": "big", "namespace": "default"}, "spec": {"replicas": 2147483647}});
        s.objects.insert(ObjKey::of(&rs), rs);
        let r = runaway(&s, DEFAULT_MAX_OBJECTS).unwrap();
        assert_eq!(
            (r.key.to_string(), r.field, r.asked),
            ("ReplicaSet default/big".to_string(), "spec.replicas", 2147483647)
        );
        assert_eq!(runaway(&s, 3_000_000_000), None);
    }

    #[test]
    fn what_fits_is_no_runaway() {
        let mut s = State::empty();
        let job = json!({"kind": "Job", "metadata": {"name": "j", "namespace": "default"}, "spec": {"parallelism": 10, "completions": 100}});
        s.objects.insert(ObjKey::of(&job), job);
        assert_eq!(runaway(&s, 101), None);
        assert_eq!(runaway(&s, 100).map(|r| r.field), Some("spec.completions"));
    }

    /// Events take no room: a ReplicaSet that fits beside the other objects fits however many
    /// Events the store holds.
    #[test]
    fn events_take_no_room() {
        let mut s = State::empty();
        let rs = json!({"kind": "ReplicaSet", "metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": 9}});
        s.objects.insert(ObjKey::of(&rs), rs);
        for i in 0..50 {
            let ev =
                json!({"kind": "Event", "metadata": {"name": format!("web.{i}"), "namespace": "default"}});
            s.insert(ObjKey::of(&ev), ev);
        }
        assert_eq!(runaway(&s, 10), None);
        assert_eq!(runaway(&s, 9).map(|r| r.asked), Some(9));
    }
}
