//! Kubernetes resource quantities (`resource.Quantity`): parsing, canonical printing and sums.

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

/// CPU quantity in millicores ("500m", "2", "0.5"); None when unparsable.
pub fn parse_cpu_milli(q: &str) -> Option<i64> {
    let q = q.trim();
    if let Some(m) = q.strip_suffix('m') {
        return m.parse::<i64>().ok();
    }
    let f: f64 = q.parse().ok()?;
    Some((f * 1000.0).ceil() as i64)
}

/// Memory (or storage) quantity in bytes ("128Mi", "1G", "1e3", "500"); None when unparsable.
pub fn parse_bytes(q: &str) -> Option<i64> {
    let q = q.trim();
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
        ("m", 1e-3),
    ];
    for (s, mult) in SUFFIXES {
        if let Some(n) = q.strip_suffix(s) {
            let f: f64 = n.parse().ok()?;
            return Some((f * mult).ceil() as i64);
        }
    }
    let f: f64 = q.parse().ok()?;
    Some(f.ceil() as i64)
}

/// A quantity field that may be written as a string or a bare number.
pub fn quantity_str(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
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
