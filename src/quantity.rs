//! Kubernetes resource quantities (`resource.Quantity`): the one parser, canonical printing and
//! sums; the scheduler's readers (cpu millicores, bytes) built on it; and the one count of what
//! a pod's containers request or are limited to ([`pod_containers_total`], upstream
//! `PodRequests` / `PodLimits`), which the scheduler's integer sums
//! (`facts::sched::pod_requests`, also read by the API server's bind check and the health
//! verdict) and `describe node`'s quantities ([`pod_requests_and_limits`]) both go through.

use crate::model;
use serde_json::Value;
use std::cmp::Ordering;
use std::fmt;

/// How a quantity was written, which decides how it is printed back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuantityFormat {
    /// `500m`, `2`, `1k`, `5G`.
    DecimalSI,
    /// `128Mi`, `5Gi`.
    BinarySI,
    /// `1e3`.
    DecimalExponent,
}

/// A `resource.Quantity`: its value in nano-units and its format. Printed in Kubernetes'
/// canonical form (`1000m` → `1`, `1024Mi` → `1Gi`, `0.5` → `500m`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quantity {
    pub nano: i128,
    pub format: QuantityFormat,
}

const NANO: i128 = 1_000_000_000;

impl Default for Quantity {
    fn default() -> Quantity {
        Quantity { nano: 0, format: QuantityFormat::DecimalSI }
    }
}

impl Quantity {
    pub fn parse(s: &str) -> Option<Quantity> {
        let s = s.trim();
        let num_end =
            s.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-')).unwrap_or(s.len());
        let (num, suffix) = s.split_at(num_end);
        let (negative, num) = match num.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, num.strip_prefix('+').unwrap_or(num)),
        };
        let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
        if (int_part.is_empty() && frac_part.is_empty())
            || !int_part.chars().chain(frac_part.chars()).all(|c| c.is_ascii_digit())
            || int_part.len() + frac_part.len() > 24
        {
            return None;
        }
        let mantissa: i128 = format!("{int_part}{frac_part}").parse().ok()?;
        let (format, pow10, pow1024): (QuantityFormat, i32, u32) = match suffix {
            "" => (QuantityFormat::DecimalSI, 0, 0),
            "n" => (QuantityFormat::DecimalSI, -9, 0),
            "u" => (QuantityFormat::DecimalSI, -6, 0),
            "m" => (QuantityFormat::DecimalSI, -3, 0),
            "k" => (QuantityFormat::DecimalSI, 3, 0),
            "M" => (QuantityFormat::DecimalSI, 6, 0),
            "G" => (QuantityFormat::DecimalSI, 9, 0),
            "T" => (QuantityFormat::DecimalSI, 12, 0),
            "P" => (QuantityFormat::DecimalSI, 15, 0),
            "E" => (QuantityFormat::DecimalSI, 18, 0),
            "Ki" => (QuantityFormat::BinarySI, 0, 1),
            "Mi" => (QuantityFormat::BinarySI, 0, 2),
            "Gi" => (QuantityFormat::BinarySI, 0, 3),
            "Ti" => (QuantityFormat::BinarySI, 0, 4),
            "Pi" => (QuantityFormat::BinarySI, 0, 5),
            "Ei" => (QuantityFormat::BinarySI, 0, 6),
            e if e.starts_with(['e', 'E']) => {
                let exp: i32 = e[1..].parse().ok()?;
                if !(-30..=30).contains(&exp) {
                    return None;
                }
                (QuantityFormat::DecimalExponent, exp, 0)
            }
            _ => return None,
        };
        // value = mantissa / 10^frac * 10^pow10 * 1024^pow1024, in nano-units, rounded up.
        let scale = 9 + pow10 - frac_part.len() as i32;
        let mut num = mantissa.checked_mul(1024i128.checked_pow(pow1024)?)?;
        let mut den: i128 = 1;
        if scale >= 0 {
            num = num.checked_mul(10i128.checked_pow(scale as u32)?)?;
        } else {
            den = 10i128.checked_pow((-scale) as u32)?;
        }
        let mut nano = num / den + i128::from(num % den != 0);
        if negative {
            nano = -nano;
        }
        Some(Quantity { nano, format })
    }

    /// The value rounded up to a whole unit (`Quantity.Value`).
    pub fn value(&self) -> i128 {
        ceil_div(self.nano, NANO)
    }

    /// The value in thousandths, rounded up (`Quantity.MilliValue`).
    pub fn milli_value(&self) -> i128 {
        ceil_div(self.nano, 1_000_000)
    }
}

/// Sum, keeping the format of the left-hand side (`Quantity.Add`), or the right-hand side's when
/// the left one is the zero value.
impl std::ops::Add for Quantity {
    type Output = Quantity;

    fn add(self, other: Quantity) -> Quantity {
        let format = if self.nano == 0 && self.format == QuantityFormat::DecimalSI {
            other.format
        } else {
            self.format
        };
        Quantity { nano: self.nano + other.nano, format }
    }
}

fn ceil_div(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b != 0 && a > 0 {
        q + 1
    } else {
        q
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nano == 0 {
            return write!(f, "0");
        }
        let sign = if self.nano < 0 { "-" } else { "" };
        let abs = self.nano.abs();
        if self.format == QuantityFormat::BinarySI && abs % NANO == 0 && abs / NANO >= 1024 {
            let mut v = abs / NANO;
            let mut k = 0;
            while k < 6 && v % 1024 == 0 {
                v /= 1024;
                k += 1;
            }
            let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][k];
            return write!(f, "{sign}{v}{suffix}");
        }
        // Largest exponent, a multiple of 3, that keeps the mantissa whole.
        let mut exp = 18;
        while exp > -9 && abs % 10i128.pow((exp + 9) as u32) != 0 {
            exp -= 3;
        }
        let mantissa = abs / 10i128.pow((exp + 9) as u32);
        let suffix = match (self.format, exp) {
            (QuantityFormat::DecimalExponent, 0) => String::new(),
            (QuantityFormat::DecimalExponent, e) => format!("e{e}"),
            (_, e) => match e {
                -9 => "n",
                -6 => "u",
                -3 => "m",
                3 => "k",
                6 => "M",
                9 => "G",
                12 => "T",
                15 => "P",
                18 => "E",
                _ => "",
            }
            .to_string(),
        };
        write!(f, "{sign}{mantissa}{suffix}")
    }
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Quantity) -> Option<Ordering> {
        Some(self.nano.cmp(&other.nano))
    }
}

/// CPU quantity in millicores, rounded up (`500m` → 500, `2` → 2000, `0.5` → 500); None when
/// unparsable. Values beyond `i64` saturate.
pub fn parse_cpu_milli(q: &str) -> Option<i64> {
    Quantity::parse(q).map(|q| saturating_i64(q.milli_value()))
}

/// Memory (or storage) quantity in bytes, rounded up (`128Mi`, `1G`, `1e3`, `500`); None when
/// unparsable. Values beyond `i64` saturate.
pub fn parse_bytes(q: &str) -> Option<i64> {
    Quantity::parse(q).map(|q| saturating_i64(q.value()))
}

fn saturating_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// A quantity field that may be written as a string or a bare number.
pub fn quantity_str(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The quantity of a field written as a string or a bare number; None when it is neither or does
/// not parse.
pub fn quantity_of(v: &Value) -> Option<Quantity> {
    quantity_str(v).and_then(|s| Quantity::parse(&s))
}

// ---------------------------------------------------------------------------------------------
// Pod resources

/// Quantities by resource name, in the order first seen.
pub type ResourceList = Vec<(String, Quantity)>;

/// Add every quantity of a resource map (`{cpu: 250m, memory: 64Mi}`) to `acc`; a value that does
/// not parse counts as zero.
pub fn add_resources(acc: &mut ResourceList, map: Option<&Value>) {
    for (name, v) in map.and_then(Value::as_object).into_iter().flatten() {
        let q = quantity_of(v).unwrap_or_default();
        match acc.iter_mut().find(|(n, _)| n == name) {
            Some((_, sum)) => *sum = *sum + q,
            None => acc.push((name.clone(), q)),
        }
    }
}

/// The quantity of `name` in `list`, zero when absent.
pub fn resource(list: &[(String, Quantity)], name: &str) -> Quantity {
    list.iter().find(|(n, _)| n == name).map(|(_, q)| *q).unwrap_or_default()
}

/// Amounts of resources that add up and take the larger of two, per resource: what
/// [`pod_containers_total`] sums over a pod's containers.
pub trait Amounts: Clone + Default {
    fn add(&mut self, other: &Self);
    /// Raise each resource to `other`'s where that is larger.
    fn raise_to(&mut self, other: &Self);
}

impl Amounts for ResourceList {
    fn add(&mut self, other: &Self) {
        for (name, q) in other {
            match self.iter_mut().find(|(n, _)| n == name) {
                Some((_, sum)) => *sum = *sum + *q,
                None => self.push((name.clone(), *q)),
            }
        }
    }

    fn raise_to(&mut self, other: &Self) {
        for (name, q) in other {
            match self.iter_mut().find(|(n, _)| n == name) {
                Some((_, cur)) if cur.nano < q.nano => *cur = *q,
                Some(_) => {}
                None => self.push((name.clone(), *q)),
            }
        }
    }
}

/// What a pod's containers ask for in `field` (`requests` or `limits`) as upstream counts it
/// (`resource.PodRequests` / `PodLimits`, kubectl's `PodRequestsAndLimits`): the regular
/// containers and the restartable init (sidecar) containers summed, raised to what each init
/// container needs while it runs — its own amount plus the sidecars started before it. `read`
/// turns one container's `resources.<field>` map (absent when it sets none) into amounts.
/// Pod-level resources and the pod overhead are the caller's to add: the scheduler and
/// `describe node` treat them differently.
pub fn pod_containers_total<A: Amounts>(pod: &Value, field: &str, read: impl Fn(Option<&Value>) -> A) -> A {
    let containers =
        |list: &str| model::at(pod, &["spec", list]).and_then(Value::as_array).into_iter().flatten();
    let own = |c: &Value| read(model::at(c, &["resources", field]));
    let mut total = A::default();
    for c in containers("containers") {
        total.add(&own(c));
    }
    let mut sidecars = A::default();
    let mut init_max = A::default();
    for c in containers("initContainers") {
        let during = if model::str_at(c, &["restartPolicy"]) == "Always" {
            let mine = own(c);
            total.add(&mine);
            sidecars.add(&mine);
            sidecars.clone()
        } else {
            let mut during = own(c);
            during.add(&sidecars);
            during
        };
        init_max.raise_to(&during);
    }
    total.raise_to(&init_max);
    total
}

/// kubectl's `PodRequestsAndLimits` (for `describe node`): [`pod_containers_total`] of the
/// requests and of the limits, the pod overhead added to the requests and to the limits that
/// are set and not zero.
pub fn pod_requests_and_limits(pod: &Value) -> (ResourceList, ResourceList) {
    let read = |map: Option<&Value>| {
        let mut list = ResourceList::new();
        add_resources(&mut list, map);
        list
    };
    let mut requests = pod_containers_total(pod, "requests", read);
    let mut limits = pod_containers_total(pod, "limits", read);
    let overhead = model::at(pod, &["spec", "overhead"]);
    add_resources(&mut requests, overhead);
    for (name, q) in read(overhead) {
        if let Some((_, limit)) = limits.iter_mut().find(|(n, l)| *n == name && l.nano != 0) {
            *limit = *limit + q;
        }
    }
    (requests, limits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(parse_cpu_milli("500m"), Some(500));
        assert_eq!(parse_cpu_milli("2"), Some(2000));
        assert_eq!(parse_cpu_milli("0.25"), Some(250));
        assert_eq!(parse_bytes("128Mi"), Some(128 * 1024 * 1024));
        assert_eq!(parse_bytes("1G"), Some(1_000_000_000));
        assert_eq!(parse_bytes("5Gi"), Some(5 * 1024 * 1024 * 1024));
        assert_eq!(parse_bytes("abc"), None);
    }

    /// The scheduler's readers follow `resource.ParseQuantity`: any suffix for any resource,
    /// values rounded up, no `inf` or `NaN`.
    #[test]
    fn scheduler_readers_follow_parse_quantity() {
        let cpu = [("1k", Some(1_000_000)), ("1.5m", Some(2)), ("100u", Some(1)), ("1e3", Some(1_000_000))];
        for (q, want) in cpu {
            assert_eq!(parse_cpu_milli(q), want, "{q}");
        }
        let bytes =
            [("0.1Ki", Some(103)), ("1m", Some(1)), ("1Ei", Some(1 << 60)), ("1e3Ki", None), ("inf", None)];
        for (q, want) in bytes {
            assert_eq!(parse_bytes(q), want, "{q}");
        }
        assert_eq!(parse_bytes("10E"), Some(i64::MAX), "saturates");
        assert_eq!(parse_cpu_milli("NaN"), None);
    }

    /// kubectl's `PodRequestsAndLimits`: containers and sidecars summed, at least each init
    /// container with the sidecars before it, the overhead on the requests and on the limits
    /// that are set.
    #[test]
    fn pod_requests_and_limits_count_as_kubectl() {
        let pod = serde_json::json!({"spec": {
            "initContainers": [
                {"name": "sidecar", "restartPolicy": "Always", "resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "200m"}}},
                {"name": "init", "resources": {"requests": {"cpu": "2", "memory": "4Gi"}}}],
            "containers": [
                {"name": "a", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}}},
                {"name": "b", "resources": {"requests": {"cpu": 1, "memory": "oops", "nvidia.com/gpu": "1"}}},
                {"name": "c"}],
            "overhead": {"cpu": "10m", "memory": "1Mi"}}});
        let (requests, limits) = pod_requests_and_limits(&pod);
        let shown = |list: &ResourceList| -> Vec<(String, String)> {
            list.iter().map(|(n, q)| (n.clone(), q.to_string())).collect()
        };
        let owned = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs.iter().map(|(n, q)| (n.to_string(), q.to_string())).collect()
        };
        // cpu: max(250m + 1 + 100m, 2 + 100m) + 10m; memory: max(64Mi, 4Gi) + 1Mi.
        assert_eq!(
            shown(&requests),
            owned(&[("cpu", "2110m"), ("memory", "4097Mi"), ("nvidia.com/gpu", "1")])
        );
        // memory: 128Mi + 1Mi; cpu: the sidecar's 200m + 10m.
        assert_eq!(shown(&limits), owned(&[("memory", "129Mi"), ("cpu", "210m")]));
        let no_limits =
            serde_json::json!({"spec": {"containers": [{"name": "a"}], "overhead": {"cpu": "10m"}}});
        assert_eq!(
            pod_requests_and_limits(&no_limits).1,
            ResourceList::new(),
            "no overhead on limits not set"
        );
    }

    #[test]
    fn quantities_print_canonically() {
        let cases = [
            ("5Gi", "5Gi"),
            ("5120Mi", "5Gi"),
            ("1.5Gi", "1536Mi"),
            ("1000Ki", "1000Ki"),
            ("512", "512"),
            ("1024", "1024"),
            ("4", "4"),
            ("110", "110"),
            ("1000", "1k"),
            ("0.5", "500m"),
            ("1500m", "1500m"),
            ("2000m", "2"),
            ("1e3", "1e3"),
            ("128974848", "128974848"),
            ("129e6", "129e6"),
            ("0", "0"),
        ];
        for (input, want) in cases {
            assert_eq!(Quantity::parse(input).map(|q| q.to_string()).as_deref(), Some(want), "{input}");
        }
        assert!(Quantity::parse("abc").is_none());
        let sum = Quantity::parse("250m").unwrap() + Quantity::parse("0.75").unwrap();
        assert_eq!((sum.to_string(), sum.milli_value(), sum.value()), ("1".to_string(), 1000, 1));
        let mem = Quantity::default() + Quantity::parse("128Mi").unwrap() + Quantity::parse("128Mi").unwrap();
        assert_eq!(mem.to_string(), "256Mi");
    }
}
