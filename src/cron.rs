//! Cron schedules as upstream's CronJob controller reads them: robfig/cron v3's `ParseStandard`
//! (five fields with ranges, steps, lists, month and weekday names and `?`; the `@yearly`,
//! `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly` descriptors and
//! `@every <duration>`; an optional `TZ=`/`CRON_TZ=` prefix) and its `Schedule.Next`, with Go's
//! time arithmetic in IANA time zones (chrono-tz's copy of the time-zone database).
//!
//! Why not a cron crate: croner accepts what robfig refuses (`7` for Sunday, `L`, `#`, `W`, a
//! seconds field) and runs a job whose time falls in a daylight-saving gap right after the gap,
//! where robfig skips it (and runs a job in the repeated hour twice); the `cron` crate needs a
//! seconds field and numbers weekdays 1–7. Upstream's own tables (robfig's `TestNext` and
//! `TestActivation`, Kubernetes' `TestMostRecentScheduleTime`…) are transcribed in the tests
//! below.
//!
//! Times are whole seconds since the Unix epoch (the logical clock). "No time within five years"
//! is Go's zero time, [`GO_ZERO_TIME`], as robfig returns it, so Kubernetes' arithmetic on it
//! comes out the same. A schedule without a zone runs in the controller manager's local zone,
//! which konverge takes to be UTC.

use chrono::{Offset, TimeZone};

/// Go's `time.Time{}` (0001-01-01T00:00:00Z) in Unix seconds.
pub const GO_ZERO_TIME: i64 = -62_135_596_800;

/// Set when a field was written `*` or `?` (and not stepped by more than 1): robfig's `starBit`,
/// which decides whether day-of-month and day-of-week must both match or either.
const STAR: u64 = 1 << 63;

/// The zone a schedule is evaluated in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    Utc,
    Tz(chrono_tz::Tz),
}

/// Go's `time.LoadLocation`: `""` and `"UTC"` are UTC, `"Local"` is the controller manager's
/// zone (UTC here), anything else a name in the time-zone database.
pub fn load_location(name: &str) -> Result<Zone, String> {
    match name {
        "" | "UTC" | "Local" => Ok(Zone::Utc),
        _ => name.parse::<chrono_tz::Tz>().map(Zone::Tz).map_err(|_| format!("unknown time zone {name}")),
    }
}

/// The wall-clock fields of an instant in a zone (Go's `t.Year()`, `t.Month()`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Fields {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    /// 0 = Sunday.
    weekday: i64,
}

impl Zone {
    /// Seconds east of UTC in effect at instant `t`.
    fn offset(self, t: i64) -> i64 {
        match self {
            Zone::Utc => 0,
            Zone::Tz(tz) => match chrono::DateTime::from_timestamp(t, 0) {
                Some(utc) => i64::from(tz.offset_from_utc_datetime(&utc.naive_utc()).fix().local_minus_utc()),
                None => 0,
            },
        }
    }

    fn fields(self, t: i64) -> Fields {
        let local = t + self.offset(t);
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (year, month, day) = crate::model::civil_from_days(days);
        Fields {
            year,
            month,
            day,
            hour: secs / 3600,
            minute: secs / 60 % 60,
            second: secs % 60,
            weekday: (days + 4).rem_euclid(7),
        }
    }

    /// Go's `time.Date(year, month, day, hour, min, sec, 0, loc)`: out-of-range fields roll
    /// over, and a wall time that does not exist or exists twice (daylight saving) resolves the
    /// way Go resolves it — by the offset in effect at the wall time read as UTC, corrected
    /// once.
    fn date(self, year: i64, month: i64, day: i64, hour: i64, minute: i64, second: i64) -> i64 {
        let m0 = month - 1;
        let (year, month) = (year + m0.div_euclid(12), m0.rem_euclid(12) + 1);
        let wall = (crate::model::days_from_civil(year, month, 1) + day - 1) * 86_400
            + hour * 3600
            + minute * 60
            + second;
        wall - self.offset(wall - self.offset(wall))
    }

    /// Go's `t.AddDate(years, months, days)` in this zone.
    fn add_date(self, t: i64, months: i64, days: i64) -> i64 {
        let f = self.fields(t);
        self.date(f.year, f.month + months, f.day + days, f.hour, f.minute, f.second)
    }

    /// `t` as Go's `t.In(loc).Format(time.RFC3339)` prints it.
    pub fn rfc3339(self, t: i64) -> String {
        let f = self.fields(t);
        let offset = self.offset(t);
        let zone = if offset == 0 {
            "Z".to_string()
        } else {
            let sign = if offset < 0 { '-' } else { '+' };
            format!("{sign}{:02}:{:02}", offset.abs() / 3600, offset.abs() / 60 % 60)
        };
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{zone}",
            f.year, f.month, f.day, f.hour, f.minute, f.second
        )
    }
}

/// A parsed schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Five fields (or a descriptor) as bit sets, robfig's `SpecSchedule`.
    Spec(Spec),
    /// `@every <duration>`: a constant delay in whole seconds (at least 1).
    Every(i64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    second: u64,
    minute: u64,
    hour: u64,
    dom: u64,
    month: u64,
    dow: u64,
    zone: Zone,
}

/// The range of one field and the names it accepts.
struct Bounds {
    min: u64,
    max: u64,
    names: &'static [(&'static str, u64)],
}

const SECONDS: Bounds = Bounds { min: 0, max: 59, names: &[] };
const MINUTES: Bounds = Bounds { min: 0, max: 59, names: &[] };
const HOURS: Bounds = Bounds { min: 0, max: 23, names: &[] };
const DOM: Bounds = Bounds { min: 1, max: 31, names: &[] };
const MONTHS: Bounds = Bounds {
    min: 1,
    max: 12,
    names: &[
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("may", 5),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
    ],
};
const DOW: Bounds = Bounds {
    min: 0,
    max: 6,
    names: &[("sun", 0), ("mon", 1), ("tue", 2), ("wed", 3), ("thu", 4), ("fri", 5), ("sat", 6)],
};

/// robfig's `cron.ParseStandard`, with its error messages.
pub fn parse_standard(spec: &str) -> Result<Schedule, String> {
    if spec.is_empty() {
        return Err("empty spec string".into());
    }
    let mut zone = Zone::Utc;
    let mut spec = spec;
    if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
        let eq = spec.find('=').unwrap_or(0);
        let Some(space) = spec.find(' ') else {
            return Err(format!("provided bad location {}: no schedule follows it", &spec[eq + 1..]));
        };
        let name = &spec[eq + 1..space];
        zone = load_location(name).map_err(|e| format!("provided bad location {name}: {e}"))?;
        spec = spec[space..].trim();
    }
    if spec.starts_with('@') {
        return parse_descriptor(spec, zone);
    }
    let fields: Vec<&str> = spec.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!("expected exactly 5 fields, found {}: [{}]", fields.len(), fields.join(" ")));
    }
    Ok(Schedule::Spec(Spec {
        second: get_field("0", &SECONDS)?,
        minute: get_field(fields[0], &MINUTES)?,
        hour: get_field(fields[1], &HOURS)?,
        dom: get_field(fields[2], &DOM)?,
        month: get_field(fields[3], &MONTHS)?,
        dow: get_field(fields[4], &DOW)?,
        zone,
    }))
}

fn parse_descriptor(descriptor: &str, zone: Zone) -> Result<Schedule, String> {
    let spec = |minute, hour, dom, month, dow| Spec { second: 1, minute, hour, dom, month, dow, zone };
    let schedule = match descriptor {
        "@yearly" | "@annually" => spec(1, 1, 1 << DOM.min, 1 << MONTHS.min, all(&DOW)),
        "@monthly" => spec(1, 1, 1 << DOM.min, all(&MONTHS), all(&DOW)),
        "@weekly" => spec(1, 1, all(&DOM), all(&MONTHS), 1 << DOW.min),
        "@daily" | "@midnight" => spec(1, 1, all(&DOM), all(&MONTHS), all(&DOW)),
        "@hourly" => spec(1, all(&HOURS), all(&DOM), all(&MONTHS), all(&DOW)),
        _ => {
            let Some(duration) = descriptor.strip_prefix("@every ") else {
                return Err(format!("unrecognized descriptor: {descriptor}"));
            };
            let nanos = go_parse_duration(duration)
                .map_err(|e| format!("failed to parse duration {descriptor}: {e}"))?;
            // `cron.Every`: at least a second, rounded down to whole seconds.
            return Ok(Schedule::Every((nanos / 1_000_000_000).max(1)));
        }
    };
    Ok(Schedule::Spec(schedule))
}

fn all(r: &Bounds) -> u64 {
    bits(r.min, r.max, 1) | STAR
}

fn bits(min: u64, max: u64, step: u64) -> u64 {
    (min..=max).step_by(step as usize).fold(0, |b, i| b | 1 << i)
}

/// robfig's `getField`: a comma-separated list of ranges (empty items ignored).
fn get_field(field: &str, r: &Bounds) -> Result<u64, String> {
    field.split(',').filter(|e| !e.is_empty()).try_fold(0, |b, expr| Ok(b | get_range(expr, r)?))
}

/// robfig's `getRange`: `*`, `?`, `N`, `N-M`, each optionally `/step` (`N/step` runs to the
/// maximum); a step above 1 drops the star bit.
fn get_range(expr: &str, r: &Bounds) -> Result<u64, String> {
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_and_high: Vec<&str> = range_and_step[0].split('-').collect();
    let single = low_and_high.len() == 1;
    let (start, mut end, mut extra);
    if low_and_high[0] == "*" || low_and_high[0] == "?" {
        (start, end, extra) = (r.min, r.max, STAR);
    } else {
        start = int_or_name(low_and_high[0], r)?;
        end = match low_and_high.len() {
            1 => start,
            2 => int_or_name(low_and_high[1], r)?,
            _ => return Err(format!("too many hyphens: {expr}")),
        };
        extra = 0;
    }
    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let step = go_atoi(range_and_step[1])?;
            if single {
                end = r.max;
            }
            if step > 1 {
                extra = 0;
            }
            step
        }
        _ => return Err(format!("too many slashes: {expr}")),
    };
    if start < r.min {
        return Err(format!("beginning of range ({start}) below minimum ({}): {expr}", r.min));
    }
    if end > r.max {
        return Err(format!("end of range ({end}) above maximum ({}): {expr}", r.max));
    }
    if start > end {
        return Err(format!("beginning of range ({start}) beyond end of range ({end}): {expr}"));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    Ok(bits(start, end, step) | extra)
}

fn int_or_name(expr: &str, r: &Bounds) -> Result<u64, String> {
    let lower = expr.to_lowercase();
    match r.names.iter().find(|(name, _)| *name == lower) {
        Some(&(_, n)) => Ok(n),
        None => go_atoi(expr),
    }
}

/// robfig's `mustParseInt` over Go's `strconv.Atoi`, with their messages.
fn go_atoi(expr: &str) -> Result<u64, String> {
    use std::num::IntErrorKind;
    let n: i64 = expr.parse().map_err(|e: std::num::ParseIntError| {
        let why = match e.kind() {
            IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => "value out of range",
            _ => "invalid syntax",
        };
        format!("failed to parse int from {expr}: strconv.Atoi: parsing {expr:?}: {why}")
    })?;
    u64::try_from(n).map_err(|_| format!("negative number ({n}) not allowed: {expr}"))
}

/// Go's `time.ParseDuration` (`[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`), in nanoseconds.
fn go_parse_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {orig:?}");
    let mut s = orig.as_bytes();
    let mut neg = false;
    if let Some(&c) = s.first() {
        if c == b'-' || c == b'+' {
            neg = c == b'-';
            s = &s[1..];
        }
    }
    if s == b"0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut whole: u64 = 0;
        for &c in &s[..digits] {
            whole = whole
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(c - b'0')))
                .filter(|&v| v <= 1 << 63)
                .ok_or_else(invalid)?;
        }
        s = &s[digits..];
        let (mut fraction, mut scale, mut post) = (0u64, 1f64, false);
        if s.first() == Some(&b'.') {
            s = &s[1..];
            let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
            let mut overflow = false;
            for &c in &s[..n] {
                if overflow {
                    continue;
                }
                match fraction.checked_mul(10).and_then(|v| v.checked_add(u64::from(c - b'0'))) {
                    Some(v) if v <= 1 << 63 => {
                        fraction = v;
                        scale *= 10.0;
                    }
                    _ => overflow = true,
                }
            }
            post = n > 0;
            s = &s[n..];
        }
        if digits == 0 && !post {
            return Err(invalid());
        }
        let unit_len = s.iter().take_while(|&&c| c != b'.' && !c.is_ascii_digit()).count();
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {orig:?}"));
        }
        let unit = String::from_utf8_lossy(&s[..unit_len]).into_owned();
        s = &s[unit_len..];
        let per_unit: u64 = match unit.as_str() {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(format!("time: unknown unit {unit:?} in duration {orig:?}")),
        };
        if whole > (1 << 63) / per_unit {
            return Err(invalid());
        }
        let mut v = whole * per_unit;
        if fraction > 0 {
            v += (fraction as f64 * (per_unit as f64 / scale)) as u64;
            if v > 1 << 63 {
                return Err(invalid());
            }
        }
        total = total.checked_add(v).filter(|&t| t <= 1 << 63).ok_or_else(invalid)?;
    }
    if neg {
        return Ok((total as i64).wrapping_neg());
    }
    i64::try_from(total).map_err(|_| invalid())
}

impl Schedule {
    /// robfig's `Schedule.Next`: the first activation strictly after `t`, or [`GO_ZERO_TIME`]
    /// when there is none within five years.
    pub fn next(&self, t: i64) -> i64 {
        match self {
            Schedule::Every(delay) => t + delay,
            Schedule::Spec(spec) => spec.next(t),
        }
    }
}

impl Spec {
    /// robfig's `SpecSchedule.Next`. The month and day loops step as upstream does; the hour,
    /// minute and second loops jump straight to the next value that matches or wraps, which is
    /// the same as stepping one unit at a time whenever the zone's offset does not change on the
    /// way (they step one unit at a time when it does).
    fn next(&self, t: i64) -> i64 {
        let z = self.zone;
        let mut t = t + 1;
        let mut added = false;
        let year_limit = z.fields(t).year + 5;
        'wrap: loop {
            let mut f = z.fields(t);
            if f.year > year_limit {
                return GO_ZERO_TIME;
            }
            while !has(self.month, f.month) {
                if !added {
                    added = true;
                    t = z.date(f.year, f.month, 1, 0, 0, 0);
                }
                t = z.add_date(t, 1, 0);
                f = z.fields(t);
                if f.month == 1 {
                    continue 'wrap;
                }
            }
            while !self.day_matches(&f) {
                if !added {
                    added = true;
                    t = z.date(f.year, f.month, f.day, 0, 0, 0);
                }
                t = z.add_date(t, 0, 1);
                f = z.fields(t);
                // Midnight may not exist (daylight saving): land back on the day's first hour.
                if f.hour != 0 {
                    t += if f.hour > 12 { (24 - f.hour) * 3600 } else { -f.hour * 3600 };
                    f = z.fields(t);
                }
                if f.day == 1 {
                    continue 'wrap;
                }
            }
            if !has(self.hour, f.hour) {
                if !added {
                    added = true;
                    t = z.date(f.year, f.month, f.day, f.hour, 0, 0);
                }
                if self.advance(&mut t, 3600, self.hour, 24, |f| f.hour) {
                    continue 'wrap;
                }
                f = z.fields(t);
            }
            if !has(self.minute, f.minute) {
                if !added {
                    added = true;
                    t -= t.rem_euclid(60);
                }
                if self.advance(&mut t, 60, self.minute, 60, |f| f.minute) {
                    continue 'wrap;
                }
                f = z.fields(t);
            }
            if !has(self.second, f.second) {
                added = true;
                if self.advance(&mut t, 1, self.second, 60, |f| f.second) {
                    continue 'wrap;
                }
            }
            return t;
        }
    }

    /// One of robfig's inner loops: add `unit` seconds until the field (read by `field`, in
    /// `0..modulus`) is in `set` (false) or wraps to 0 (true, back to the month).
    fn advance(&self, t: &mut i64, unit: i64, set: u64, modulus: i64, field: fn(&Fields) -> i64) -> bool {
        let z = self.zone;
        let now = field(&z.fields(*t));
        let target = (now + 1..modulus).find(|&v| has(set, v)).unwrap_or(modulus);
        let jumped = *t + (target - now) * unit;
        if z.offset(jumped) == z.offset(*t) {
            *t = jumped;
            return target == modulus;
        }
        loop {
            *t += unit;
            let v = field(&z.fields(*t));
            if v == 0 {
                return true;
            }
            if has(set, v) {
                return false;
            }
        }
    }

    /// robfig's `dayMatches`: both day fields must match when either was written `*`,
    /// otherwise one is enough.
    fn day_matches(&self, f: &Fields) -> bool {
        let dom = has(self.dom, f.day);
        let dow = has(self.dow, f.weekday);
        if self.dom & STAR != 0 || self.dow & STAR != 0 {
            dom && dow
        } else {
            dom || dow
        }
    }
}

fn has(set: u64, v: i64) -> bool {
    (0..63).contains(&v) && set & (1 << v) != 0
}

/// How many start times were missed since the last one (`missedSchedulesType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missed {
    None,
    Few,
    /// More than 100.
    Many,
}

/// What upstream's `mostRecentScheduleTime` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recent {
    /// `lastScheduleTime` (or creation), raised to `now − startingDeadlineSeconds` when asked.
    pub earliest: i64,
    /// The most recent start time at or before `now`, if any was missed.
    pub most_recent: Option<i64>,
    pub missed: Missed,
}

/// When a CronJob last ran, and its deadline: what the schedule arithmetic reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct History {
    pub created: i64,
    pub last_schedule: Option<i64>,
    pub starting_deadline: Option<i64>,
}

/// The error upstream reports for a schedule whose consecutive times are less than a second
/// apart (one that never fires, such as `59 23 31 2 *`).
pub const INTERVAL_ERROR: &str = "time difference between two schedules is less than 1 second";

/// Upstream's `mostRecentScheduleTime`: the most recent unmet start time, found by estimating how
/// many intervals passed since the first one and stepping from two intervals before that (an
/// approximation that can miss times of irregular schedules, as upstream's does).
pub fn most_recent(s: &Schedule, h: &History, now: i64, include_deadline: bool) -> Result<Recent, String> {
    let mut earliest = h.last_schedule.unwrap_or(h.created);
    if let (true, Some(sds)) = (include_deadline, h.starting_deadline) {
        earliest = earliest.max(now - sds);
    }
    let t1 = s.next(earliest);
    let t2 = s.next(t1);
    if now < t1 {
        return Ok(Recent { earliest, most_recent: None, missed: Missed::None });
    }
    if now < t2 {
        return Ok(Recent { earliest, most_recent: Some(t1), missed: Missed::None });
    }
    let interval = t2 - t1;
    if interval < 1 {
        return Err(INTERVAL_ERROR.into());
    }
    let missed = (now - t1) / interval + 1;
    let potential_earliest = t1.saturating_add((missed - 2).saturating_mul(interval));
    let mut most_recent = None;
    let mut t = s.next(potential_earliest);
    // Upstream loops while `t <= now`; a schedule that stops firing (Go's zero time) would
    // never end it, so stop when times stop increasing.
    while t <= now && most_recent.is_none_or(|m| t > m) {
        most_recent = Some(t);
        t = s.next(t);
    }
    let missed = match missed {
        m if m > 100 => Missed::Many,
        m if m > 0 => Missed::Few,
        _ => Missed::None,
    };
    Ok(Recent { earliest, most_recent, missed })
}

/// Upstream's `nextScheduleTime`: the start time due now (the most recent unmet one, within the
/// starting deadline) and whether more than 100 were missed; `None` when nothing is due.
pub fn due(s: &Schedule, h: &History, now: i64) -> Result<Option<(i64, Missed)>, String> {
    let r = most_recent(s, h, now, true)?;
    Ok(r.most_recent.filter(|&t| t <= now).map(|t| (t, r.missed)))
}

/// When upstream's `nextScheduleTimeDuration` requeues the CronJob: the next start time after
/// the most recent one (without the deadline). Upstream adds 100 ms against clock skew, below
/// the logical clock's resolution.
pub fn next_after(s: &Schedule, h: &History, now: i64) -> i64 {
    let base = match most_recent(s, h, now, false) {
        Err(_) => now,
        Ok(Recent { most_recent: Some(t), .. }) => t,
        Ok(Recent { most_recent: None, missed: Missed::None, earliest }) => earliest,
        Ok(Recent { most_recent: None, .. }) => now,
    };
    s.next(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `2006-01-02T15:04:05-0700` or `…Z` time.
    fn at(s: &str) -> i64 {
        let s = if s.len() == 24 { format!("{}:{}", &s[..22], &s[22..]) } else { s.to_string() };
        chrono::DateTime::parse_from_rfc3339(&s).unwrap_or_else(|e| panic!("{s}: {e}")).timestamp()
    }

    /// robfig's plain `Mon Jan 2 15:04 2006` times are in the test machine's zone; they are read
    /// in UTC here (a zone without daylight saving, as upstream's CI runs). Go ignores the
    /// weekday word (some rows name the wrong one), so it is skipped.
    fn plain(s: &str) -> i64 {
        let without_weekday = s.split_once(' ').map_or(s, |(_, rest)| rest);
        let formats = ["%b %e %H:%M %Y", "%b %e %H:%M:%S %Y"];
        formats
            .iter()
            .find_map(|f| chrono::NaiveDateTime::parse_from_str(without_weekday, f).ok())
            .unwrap_or_else(|| panic!("{s}"))
            .and_utc()
            .timestamp()
    }

    fn time(s: &str) -> i64 {
        if s.is_empty() {
            GO_ZERO_TIME
        } else if s.as_bytes()[0].is_ascii_digit() {
            at(s)
        } else {
            plain(s)
        }
    }

    /// The literal port of robfig's `SpecSchedule.Next` (every loop one unit at a time): the
    /// oracle the jumping version is checked against.
    fn next_stepwise(s: &Spec, t: i64) -> i64 {
        let z = s.zone;
        let mut t = t + 1;
        let mut added = false;
        let year_limit = z.fields(t).year + 5;
        'wrap: loop {
            if z.fields(t).year > year_limit {
                return GO_ZERO_TIME;
            }
            while !has(s.month, z.fields(t).month) {
                if !added {
                    added = true;
                    let f = z.fields(t);
                    t = z.date(f.year, f.month, 1, 0, 0, 0);
                }
                t = z.add_date(t, 1, 0);
                if z.fields(t).month == 1 {
                    continue 'wrap;
                }
            }
            while !s.day_matches(&z.fields(t)) {
                if !added {
                    added = true;
                    let f = z.fields(t);
                    t = z.date(f.year, f.month, f.day, 0, 0, 0);
                }
                t = z.add_date(t, 0, 1);
                let h = z.fields(t).hour;
                if h != 0 {
                    t += if h > 12 { (24 - h) * 3600 } else { -h * 3600 };
                }
                if z.fields(t).day == 1 {
                    continue 'wrap;
                }
            }
            while !has(s.hour, z.fields(t).hour) {
                if !added {
                    added = true;
                    let f = z.fields(t);
                    t = z.date(f.year, f.month, f.day, f.hour, 0, 0);
                }
                t += 3600;
                if z.fields(t).hour == 0 {
                    continue 'wrap;
                }
            }
            while !has(s.minute, z.fields(t).minute) {
                if !added {
                    added = true;
                    t -= t.rem_euclid(60);
                }
                t += 60;
                if z.fields(t).minute == 0 {
                    continue 'wrap;
                }
            }
            while !has(s.second, z.fields(t).second) {
                added = true;
                t += 1;
                if z.fields(t).second == 0 {
                    continue 'wrap;
                }
            }
            return t;
        }
    }

    /// robfig's six-field `secondParser` (seconds first, day of week optional), for its tables.
    fn parse_with_seconds(spec: &str) -> Schedule {
        let (zone, rest) = match spec.split_once(' ') {
            Some((tz, rest)) if tz.starts_with("TZ=") || tz.starts_with("CRON_TZ=") => {
                (load_location(tz.split_once('=').map_or("", |p| p.1)).expect(tz), rest)
            }
            _ => (Zone::Utc, spec),
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        let dow = f.get(5).copied().unwrap_or("*");
        Schedule::Spec(Spec {
            second: get_field(f[0], &SECONDS).expect(spec),
            minute: get_field(f[1], &MINUTES).expect(spec),
            hour: get_field(f[2], &HOURS).expect(spec),
            dom: get_field(f[3], &DOM).expect(spec),
            month: get_field(f[4], &MONTHS).expect(spec),
            dow: get_field(dow, &DOW).expect(spec),
            zone,
        })
    }

    /// robfig/cron v3 `spec_test.go` `TestNext`, every case. Rows whose start time carries a
    /// `TZ=` prefix are read in that zone (the schedule has none: robfig then uses the time's
    /// own zone).
    #[test]
    fn robfig_test_next() {
        let cases = [
            ("Mon Jul 9 14:45 2012", "0 0/15 * * * *", "Mon Jul 9 15:00 2012"),
            ("Mon Jul 9 14:59 2012", "0 0/15 * * * *", "Mon Jul 9 15:00 2012"),
            ("Mon Jul 9 14:59:59 2012", "0 0/15 * * * *", "Mon Jul 9 15:00 2012"),
            ("Mon Jul 9 15:45 2012", "0 20-35/15 * * * *", "Mon Jul 9 16:20 2012"),
            ("Mon Jul 9 23:46 2012", "0 */15 * * * *", "Tue Jul 10 00:00 2012"),
            ("Mon Jul 9 23:45 2012", "0 20-35/15 * * * *", "Tue Jul 10 00:20 2012"),
            ("Mon Jul 9 23:35:51 2012", "15/35 20-35/15 * * * *", "Tue Jul 10 00:20:15 2012"),
            ("Mon Jul 9 23:35:51 2012", "15/35 20-35/15 1/2 * * *", "Tue Jul 10 01:20:15 2012"),
            ("Mon Jul 9 23:35:51 2012", "15/35 20-35/15 10-12 * * *", "Tue Jul 10 10:20:15 2012"),
            ("Mon Jul 9 23:35:51 2012", "15/35 20-35/15 1/2 */2 * *", "Thu Jul 11 01:20:15 2012"),
            ("Mon Jul 9 23:35:51 2012", "15/35 20-35/15 * 9-20 * *", "Wed Jul 10 00:20:15 2012"),
            ("Mon Jul 9 23:35:51 2012", "15/35 20-35/15 * 9-20 Jul *", "Wed Jul 10 00:20:15 2012"),
            ("Mon Jul 9 23:35 2012", "0 0 0 9 Apr-Oct ?", "Thu Aug 9 00:00 2012"),
            ("Mon Jul 9 23:35 2012", "0 0 0 */5 Apr,Aug,Oct Mon", "Tue Aug 1 00:00 2012"),
            ("Mon Jul 9 23:35 2012", "0 0 0 */5 Oct Mon", "Mon Oct 1 00:00 2012"),
            ("Mon Jul 9 23:35 2012", "0 0 0 * Feb Mon", "Mon Feb 4 00:00 2013"),
            ("Mon Jul 9 23:35 2012", "0 0 0 * Feb Mon/2", "Fri Feb 1 00:00 2013"),
            ("Mon Dec 31 23:59:45 2012", "0 * * * * *", "Tue Jan 1 00:00:00 2013"),
            ("Mon Jul 9 23:35 2012", "0 0 0 29 Feb ?", "Mon Feb 29 00:00 2016"),
            // Daylight saving: 2am EST (-5) -> 3am EDT (-4).
            ("2012-03-11T00:00:00-0500", "TZ=America/New_York 0 30 2 11 Mar ?", "2013-03-11T02:30:00-0400"),
            ("2012-03-11T00:00:00-0500", "TZ=America/New_York 0 0 * * * ?", "2012-03-11T01:00:00-0500"),
            ("2012-03-11T01:00:00-0500", "TZ=America/New_York 0 0 * * * ?", "2012-03-11T03:00:00-0400"),
            ("2012-03-11T03:00:00-0400", "TZ=America/New_York 0 0 * * * ?", "2012-03-11T04:00:00-0400"),
            ("2012-03-11T04:00:00-0400", "TZ=America/New_York 0 0 * * * ?", "2012-03-11T05:00:00-0400"),
            ("2012-03-11T00:00:00-0500", "CRON_TZ=America/New_York 0 0 * * * ?", "2012-03-11T01:00:00-0500"),
            ("2012-03-11T01:00:00-0500", "CRON_TZ=America/New_York 0 0 * * * ?", "2012-03-11T03:00:00-0400"),
            ("2012-03-11T03:00:00-0400", "CRON_TZ=America/New_York 0 0 * * * ?", "2012-03-11T04:00:00-0400"),
            ("2012-03-11T04:00:00-0400", "CRON_TZ=America/New_York 0 0 * * * ?", "2012-03-11T05:00:00-0400"),
            ("2012-03-11T00:00:00-0500", "TZ=America/New_York 0 0 1 * * ?", "2012-03-11T01:00:00-0500"),
            ("2012-03-11T01:00:00-0500", "TZ=America/New_York 0 0 1 * * ?", "2012-03-12T01:00:00-0400"),
            // 2am nightly job (skipped).
            ("2012-03-11T00:00:00-0500", "TZ=America/New_York 0 0 2 * * ?", "2012-03-12T02:00:00-0400"),
            // Daylight saving: 2am EDT (-4) => 1am EST (-5).
            ("2012-11-04T00:00:00-0400", "TZ=America/New_York 0 30 2 04 Nov ?", "2012-11-04T02:30:00-0500"),
            ("2012-11-04T01:45:00-0400", "TZ=America/New_York 0 30 1 04 Nov ?", "2012-11-04T01:30:00-0500"),
            ("2012-11-04T00:00:00-0400", "TZ=America/New_York 0 0 * * * ?", "2012-11-04T01:00:00-0400"),
            ("2012-11-04T01:00:00-0400", "TZ=America/New_York 0 0 * * * ?", "2012-11-04T01:00:00-0500"),
            ("2012-11-04T01:00:00-0500", "TZ=America/New_York 0 0 * * * ?", "2012-11-04T02:00:00-0500"),
            // 1am nightly job (runs twice).
            ("2012-11-04T00:00:00-0400", "TZ=America/New_York 0 0 1 * * ?", "2012-11-04T01:00:00-0400"),
            ("2012-11-04T01:00:00-0400", "TZ=America/New_York 0 0 1 * * ?", "2012-11-04T01:00:00-0500"),
            ("2012-11-04T01:00:00-0500", "TZ=America/New_York 0 0 1 * * ?", "2012-11-05T01:00:00-0500"),
            ("2012-11-04T00:00:00-0400", "TZ=America/New_York 0 0 2 * * ?", "2012-11-04T02:00:00-0500"),
            ("2012-11-04T02:00:00-0500", "TZ=America/New_York 0 0 2 * * ?", "2012-11-05T02:00:00-0500"),
            ("2012-11-04T00:00:00-0400", "TZ=America/New_York 0 0 3 * * ?", "2012-11-04T03:00:00-0500"),
            ("2012-11-04T03:00:00-0500", "TZ=America/New_York 0 0 3 * * ?", "2012-11-05T03:00:00-0500"),
            ("TZ=America/New_York 2012-11-04T00:00:00-0400", "0 0 * * * ?", "2012-11-04T01:00:00-0400"),
            ("TZ=America/New_York 2012-11-04T01:00:00-0400", "0 0 * * * ?", "2012-11-04T01:00:00-0500"),
            ("TZ=America/New_York 2012-11-04T01:00:00-0500", "0 0 * * * ?", "2012-11-04T02:00:00-0500"),
            ("TZ=America/New_York 2012-11-04T00:00:00-0400", "0 0 1 * * ?", "2012-11-04T01:00:00-0400"),
            ("TZ=America/New_York 2012-11-04T01:00:00-0400", "0 0 1 * * ?", "2012-11-04T01:00:00-0500"),
            ("TZ=America/New_York 2012-11-04T01:00:00-0500", "0 0 1 * * ?", "2012-11-05T01:00:00-0500"),
            ("TZ=America/New_York 2012-11-04T00:00:00-0400", "0 0 2 * * ?", "2012-11-04T02:00:00-0500"),
            ("TZ=America/New_York 2012-11-04T02:00:00-0500", "0 0 2 * * ?", "2012-11-05T02:00:00-0500"),
            ("TZ=America/New_York 2012-11-04T00:00:00-0400", "0 0 3 * * ?", "2012-11-04T03:00:00-0500"),
            ("TZ=America/New_York 2012-11-04T03:00:00-0500", "0 0 3 * * ?", "2012-11-05T03:00:00-0500"),
            // Unsatisfiable.
            ("Mon Jul 9 23:35 2012", "0 0 0 30 Feb ?", ""),
            ("Mon Jul 9 23:35 2012", "0 0 0 31 Apr ?", ""),
            // Monthly job.
            ("TZ=America/New_York 2012-11-04T00:00:00-0400", "0 0 3 3 * ?", "2012-12-03T03:00:00-0500"),
            // Midnight that does not exist (robfig issue 157).
            ("2018-10-17T05:00:00-0400", "TZ=America/Sao_Paulo 0 0 9 10 * ?", "2018-11-10T06:00:00-0500"),
            ("2018-02-14T05:00:00-0500", "TZ=America/Sao_Paulo 0 0 9 22 * ?", "2018-02-22T07:00:00-0500"),
        ];
        for (from, spec, want) in cases {
            let (spec, from) = match from.split_once(' ') {
                Some((tz, t)) if tz.starts_with("TZ=") => (format!("{tz} {spec}"), t),
                _ => (spec.to_string(), from),
            };
            let s = parse_with_seconds(&spec);
            let Schedule::Spec(inner) = &s else { unreachable!() };
            assert_eq!(s.next(time(from)), time(want), "{from} {spec}");
            assert_eq!(next_stepwise(inner, time(from)), time(want), "stepwise {from} {spec}");
        }
    }

    /// robfig/cron v3 `spec_test.go` `TestActivation` (ParseStandard): whether the schedule fires
    /// exactly at the time.
    #[test]
    fn robfig_test_activation() {
        let cases = [
            ("Mon Jul 9 15:00 2012", "0/15 * * * *", true),
            ("Mon Jul 9 15:45 2012", "0/15 * * * *", true),
            ("Mon Jul 9 15:40 2012", "0/15 * * * *", false),
            ("Mon Jul 9 15:05 2012", "5/15 * * * *", true),
            ("Mon Jul 9 15:20 2012", "5/15 * * * *", true),
            ("Mon Jul 9 15:50 2012", "5/15 * * * *", true),
            ("Sun Jul 15 15:00 2012", "0/15 * * Jul *", true),
            ("Sun Jul 15 15:00 2012", "0/15 * * Jun *", false),
            ("Sun Jul 15 08:30 2012", "30 08 ? Jul Sun", true),
            ("Sun Jul 15 08:30 2012", "30 08 15 Jul ?", true),
            ("Mon Jul 16 08:30 2012", "30 08 ? Jul Sun", false),
            ("Mon Jul 16 08:30 2012", "30 08 15 Jul ?", false),
            ("Mon Jul 9 15:00 2012", "@hourly", true),
            ("Mon Jul 9 15:04 2012", "@hourly", false),
            ("Mon Jul 9 15:00 2012", "@daily", false),
            ("Mon Jul 9 00:00 2012", "@daily", true),
            ("Mon Jul 9 00:00 2012", "@weekly", false),
            ("Sun Jul 8 00:00 2012", "@weekly", true),
            ("Sun Jul 8 01:00 2012", "@weekly", false),
            ("Sun Jul 8 00:00 2012", "@monthly", false),
            ("Sun Jul 1 00:00 2012", "@monthly", true),
            // Both day fields restricted: either matches.
            ("Sun Jul 15 00:00 2012", "* * 1,15 * Sun", true),
            ("Fri Jun 15 00:00 2012", "* * 1,15 * Sun", true),
            ("Wed Aug 1 00:00 2012", "* * 1,15 * Sun", true),
            ("Sun Jul 15 00:00 2012", "* * */10 * Sun", true),
            // One of them `*`: both must match.
            ("Sun Jul 15 00:00 2012", "* * * * Mon", false),
            ("Mon Jul 9 00:00 2012", "* * 1,15 * *", false),
            ("Sun Jul 15 00:00 2012", "* * 1,15 * *", true),
            ("Sun Jul 15 00:00 2012", "* * */2 * Sun", true),
        ];
        for (t, spec, fires) in cases {
            let s = parse_standard(spec).expect(spec);
            assert_eq!(s.next(plain(t) - 1) == plain(t), fires, "{spec} at {t}");
        }
    }

    /// robfig/cron v3 `parser_test.go`: `TestRange`, `TestField`, `TestBits`, and the errors of
    /// `TestParseScheduleErrors`/`TestStandardSpecSchedule`/`TestErrors`.
    #[test]
    fn robfig_parser_tables() {
        let b = |min, max| Bounds { min, max, names: &[] };
        let ranges: &[(&str, u64, u64, u64, &str)] = &[
            ("5", 0, 7, 1 << 5, ""),
            ("0", 0, 7, 1, ""),
            ("7", 0, 7, 1 << 7, ""),
            ("5-5", 0, 7, 1 << 5, ""),
            ("5-6", 0, 7, 1 << 5 | 1 << 6, ""),
            ("5-7", 0, 7, 1 << 5 | 1 << 6 | 1 << 7, ""),
            ("5-6/2", 0, 7, 1 << 5, ""),
            ("5-7/2", 0, 7, 1 << 5 | 1 << 7, ""),
            ("5-7/1", 0, 7, 1 << 5 | 1 << 6 | 1 << 7, ""),
            ("*", 1, 3, 1 << 1 | 1 << 2 | 1 << 3 | STAR, ""),
            ("*/2", 1, 3, 1 << 1 | 1 << 3, ""),
            ("5--5", 0, 0, 0, "too many hyphens"),
            ("jan-x", 0, 0, 0, "failed to parse int from"),
            ("2-x", 1, 5, 0, "failed to parse int from"),
            ("*/-12", 0, 0, 0, "negative number"),
            ("*//2", 0, 0, 0, "too many slashes"),
            ("1", 3, 5, 0, "below minimum"),
            ("6", 3, 5, 0, "above maximum"),
            ("5-3", 3, 5, 0, "beyond end of range"),
            ("*/0", 0, 0, 0, "should be a positive number"),
        ];
        for &(expr, min, max, want, err) in ranges {
            match get_range(expr, &b(min, max)) {
                Ok(bits) => assert_eq!((bits, ""), (want, err), "{expr}"),
                Err(e) => assert!(!err.is_empty() && e.contains(err), "{expr}: {e}"),
            }
        }
        for (expr, want) in [
            ("5", 1 << 5),
            ("5,6", 1 << 5 | 1 << 6),
            ("5,6,7", 1 << 5 | 1 << 6 | 1 << 7),
            ("1,5-7/2,3", 1 << 1 | 1 << 5 | 1 << 7 | 1 << 3),
        ] {
            assert_eq!(get_field(expr, &b(1, 7)), Ok(want), "{expr}");
        }
        assert_eq!(all(&MINUTES), 0xfff_ffff_ffff_ffff | STAR);
        assert_eq!(all(&HOURS), 0xff_ffff | STAR);
        assert_eq!(all(&DOM), 0xffff_fffe | STAR);
        assert_eq!(all(&MONTHS), 0x1ffe | STAR);
        assert_eq!(all(&DOW), 0x7f | STAR);
        assert_eq!(bits(1, 5, 2), 0x2a);
        assert_eq!(bits(1, 4, 2), 0xa);
        for (spec, err) in [
            ("5 j * * *", "failed to parse int from"),
            ("* * * *", "expected exactly 5 fields"),
            ("@every Xm", "failed to parse duration"),
            ("@unrecognized", "unrecognized descriptor"),
            ("", "empty spec string"),
            ("xyz", "expected exactly 5 fields"),
            ("60 0 * * *", "above maximum"),
            ("0 60 * * *", "above maximum"),
            ("0 0 * * XYZ", "failed to parse int from"),
            ("TZ=Bogus * * * * *", "provided bad location Bogus"),
            ("0-0-0 * * * *", "too many hyphens"),
            ("*/5/5 * * * *", "too many slashes"),
            ("59-2 * * * *", "beyond end of range"),
            ("* * * * 7", "above maximum (6)"),
        ] {
            let got = parse_standard(spec).map(|_| ()).unwrap_err();
            assert!(got.contains(err), "{spec:?}: {got}");
        }
        assert_eq!(parse_standard("99 * * *").unwrap_err(), "expected exactly 5 fields, found 4: [99 * * *]");
    }

    /// robfig/cron v3 `TestParseSchedule` and `TestStandardSpecSchedule`: what the parser builds.
    #[test]
    fn robfig_parse_schedule() {
        let tokyo = load_location("Asia/Tokyo").unwrap();
        let every5min = |zone| {
            Schedule::Spec(Spec {
                second: 1,
                minute: 1 << 5,
                hour: all(&HOURS),
                dom: all(&DOM),
                month: all(&MONTHS),
                dow: all(&DOW),
                zone,
            })
        };
        let midnight = |zone| {
            Schedule::Spec(Spec {
                second: 1,
                minute: 1,
                hour: 1,
                dom: all(&DOM),
                month: all(&MONTHS),
                dow: all(&DOW),
                zone,
            })
        };
        let annual = Schedule::Spec(Spec {
            second: 1,
            minute: 1,
            hour: 1,
            dom: 1 << 1,
            month: 1 << 1,
            dow: all(&DOW),
            zone: Zone::Utc,
        });
        for (spec, want) in [
            ("5 * * * *", every5min(Zone::Utc)),
            ("CRON_TZ=UTC  5 * * * *", every5min(Zone::Utc)),
            ("CRON_TZ=Asia/Tokyo 5 * * * *", every5min(tokyo)),
            ("@every 5m", Schedule::Every(300)),
            ("@midnight", midnight(Zone::Utc)),
            ("TZ=UTC  @midnight", midnight(Zone::Utc)),
            ("TZ=Asia/Tokyo @midnight", midnight(tokyo)),
            ("@yearly", annual.clone()),
            ("@annually", annual),
        ] {
            assert_eq!(parse_standard(spec), Ok(want), "{spec}");
        }
    }

    /// Go's `time.ParseDuration`, and `cron.Every` rounding to whole seconds (at least one).
    #[test]
    fn every_durations_read_like_go() {
        for (d, want) in [
            ("1h", Ok(3600)),
            ("1h30m", Ok(5400)),
            ("1.5h", Ok(5400)),
            ("90s", Ok(90)),
            ("300ms", Ok(1)),
            ("0", Ok(1)),
            ("-5m", Ok(1)),
            ("2m30.9s", Ok(150)),
            ("1d", Err("time: unknown unit \"d\" in duration \"1d\"".to_string())),
            ("5", Err("time: missing unit in duration \"5\"".to_string())),
            ("", Err("time: invalid duration \"\"".to_string())),
        ] {
            let got = parse_standard(&format!("@every {d}")).map(|s| match s {
                Schedule::Every(secs) => secs,
                Schedule::Spec(_) => -1,
            });
            assert_eq!(got, want.map_err(|e| format!("failed to parse duration @every {d}: {e}")), "{d}");
        }
    }

    fn top_of_the_hour() -> i64 {
        at("2016-05-19T10:00:00Z")
    }

    fn history(created: i64, last: Option<i64>, sds: Option<i64>) -> History {
        History { created, last_schedule: last, starting_deadline: sds }
    }

    /// Kubernetes `utils_test.go` `TestMostRecentScheduleTime`, every case.
    #[test]
    fn kubernetes_most_recent_schedule_time() {
        let top = top_of_the_hour();
        let (min, hour) = (60, 3600);
        type Case = (&'static str, &'static str, History, bool, i64, i64, Option<i64>, Missed, bool);
        let cases: Vec<Case> = vec![
            (
                "now before next schedule",
                "0 * * * *",
                history(top, None, None),
                false,
                top + 30,
                top,
                None,
                Missed::None,
                false,
            ),
            (
                "now just after next schedule",
                "0 * * * *",
                history(top, None, None),
                false,
                top + 61 * min,
                top,
                Some(top + 60 * min),
                Missed::None,
                false,
            ),
            (
                "missed 5 schedules",
                "0 * * * *",
                history(top + 10, None, None),
                false,
                top + 301 * min,
                top + 10,
                Some(top + 300 * min),
                Missed::Few,
                false,
            ),
            (
                "complex schedule",
                "30 6-16/4 * * 1-5",
                history(top, Some(top + 30 * min), None),
                false,
                top + 24 * hour + 31 * min,
                top + 30 * min,
                Some(top + 24 * hour + 30 * min),
                Missed::Few,
                false,
            ),
            (
                "another complex schedule",
                "30 10,11,12 * * 1-5",
                history(top, Some(top + 30 * min), None),
                false,
                top + 30 * hour + 30 * min,
                top + 30 * min,
                None,
                Missed::Few,
                false,
            ),
            (
                "complex schedule with longer diff between executions",
                "30 6-16/4 * * 1-5",
                history(top, Some(top + 30 * min), None),
                false,
                top + 96 * hour + 31 * min,
                top + 30 * min,
                Some(top + 96 * hour + 30 * min),
                Missed::Few,
                false,
            ),
            (
                "complex schedule with shorter diff between executions",
                "30 6-16/4 * * 1-5",
                history(top, None, None),
                false,
                top + 24 * hour + 31 * min,
                top,
                Some(top + 24 * hour + 30 * min),
                Missed::Few,
                false,
            ),
            (
                "@every schedule",
                "@every 1h",
                history(top - 59 * min, Some(top + min), Some(10)),
                false,
                top + 7 * 24 * hour,
                top + min,
                Some(top + 6 * 24 * hour + 23 * hour + min),
                Missed::Many,
                false,
            ),
            (
                "rogue cronjob",
                "59 23 31 2 *",
                history(top + 10, None, None),
                false,
                top + hour,
                0,
                None,
                Missed::None,
                true,
            ),
            (
                "earliestTime being CreationTimestamp and LastScheduleTime",
                "0 * * * *",
                history(top, Some(top), None),
                false,
                top + 30,
                top,
                None,
                Missed::None,
                false,
            ),
            (
                "earliestTime being LastScheduleTime",
                "*/5 * * * *",
                history(top, Some(top + 30 * min), None),
                false,
                top + 31 * min,
                top + 30 * min,
                None,
                Missed::None,
                false,
            ),
            (
                "earliestTime being LastScheduleTime (within StartingDeadlineSeconds)",
                "*/5 * * * *",
                history(top, Some(top + 30 * min), Some(60)),
                false,
                top + 31 * min,
                top + 30 * min,
                None,
                Missed::None,
                false,
            ),
            (
                "earliestTime being LastScheduleTime (outside StartingDeadlineSeconds)",
                "*/5 * * * *",
                history(top, Some(top + 30 * min), Some(60)),
                true,
                top + 32 * min,
                top + 31 * min,
                None,
                Missed::None,
                false,
            ),
        ];
        for (name, spec, h, include_sds, now, earliest, recent, missed, err) in cases {
            let s = parse_standard(spec).expect(spec);
            match most_recent(&s, &h, now, include_sds) {
                Err(e) => assert!(err, "{name}: unexpected error {e}"),
                Ok(got) => {
                    assert!(!err, "{name}: expected an error");
                    assert_eq!(got, Recent { earliest, most_recent: recent, missed }, "{name}");
                }
            }
        }
    }

    /// Kubernetes `utils_test.go` `TestNextScheduleTime`, every case (schedule `0 * * * ?`).
    #[test]
    fn kubernetes_next_schedule_time() {
        let t1 = top_of_the_hour();
        let t2 = t1 + 3600;
        let s = parse_standard("0 * * * ?").unwrap();
        let cases = [
            ("no known start times, and none needed yet", history(t1 - 600, None, None), t1 - 420, None),
            ("no known start times, and one needed", history(t1 - 600, None, None), t1 + 2, Some(t1)),
            ("known LastScheduleTime, no start needed", history(t1 - 600, Some(t1), None), t1 + 120, None),
            ("known LastScheduleTime, a start needed", history(t1 - 600, Some(t1), None), t2 + 300, Some(t2)),
            (
                "known LastScheduleTime, two starts needed",
                history(t1 - 7200, Some(t1 - 3600), None),
                t2 + 300,
                Some(t2),
            ),
        ];
        for (name, h, now, want) in cases {
            assert_eq!(due(&s, &h, now).map(|d| d.map(|d| d.0)), Ok(want), "{name}");
        }
        let way_ahead = t2 + 10 * 24 * 3600;
        assert!(
            due(&s, &history(t1 - 7200, Some(t1 - 3600), None), way_ahead).unwrap().is_some(),
            "now is way way ahead of last start time, and there is no deadline"
        );
        assert!(
            due(&s, &history(t1 - 7200, Some(t1 - 3600), Some(7200)), way_ahead).unwrap().is_some(),
            "now is way way ahead of last start time, but there is a short deadline"
        );
        let rogue = parse_standard("59 23 31 2 *").unwrap();
        assert_eq!(
            due(&rogue, &history(t1 + 10, None, None), t1 + 3600),
            Err(INTERVAL_ERROR.to_string()),
            "the error from mostRecentScheduleTime gets populated up"
        );
    }

    /// Kubernetes `utils_test.go` `TestNextScheduleTimeDuration`, every case (upstream's
    /// durations less its 100 ms padding).
    #[test]
    fn kubernetes_next_schedule_time_duration() {
        let top = top_of_the_hour();
        let (min, hour) = (60, 3600);
        let cases = [
            (
                "complex schedule skipping weekend",
                "30 6-16/4 * * 1-5",
                history(top, Some(top + 30 * min), None),
                top + 24 * hour + 31 * min,
                3 * hour + 59 * min,
            ),
            (
                "another complex schedule skipping weekend",
                "30 10,11,12 * * 1-5",
                history(top, Some(top + 30 * min), None),
                top + 30 * hour + 30 * min,
                66 * hour,
            ),
            (
                "once a week cronjob, missed two runs",
                "0 12 * * 4",
                history(top, Some(top + 2 * hour), None),
                top + 19 * 24 * hour + hour + 30 * min,
                48 * hour + 30 * min,
            ),
            (
                "no previous run of a cronjob",
                "0 12 * * 5",
                history(top, None, None),
                top + 6 * hour,
                20 * hour,
            ),
        ];
        for (name, spec, h, now, want) in cases {
            let s = parse_standard(spec).unwrap();
            assert_eq!(next_after(&s, &h, now) - now, want, "{name}");
        }
    }

    /// The jumping `Next` equals the one-unit-at-a-time port for schedules and zones with
    /// daylight saving, around transitions in both hemispheres and half-hour zones.
    #[test]
    fn jumping_next_equals_stepping_next() {
        let specs = [
            "*/15 * * * *",
            "30 2 * * *",
            "0 1,2,3 * * *",
            "5,35 */2 * * 1-5",
            "0 0 * * *",
            "59 23 * * 0",
            "0 12 1,15 * 3",
            "17 * * * *",
        ];
        let zones =
            ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Sao_Paulo", "Asia/Kolkata"];
        let starts = [at("2025-03-08T20:00:00Z"), at("2025-10-25T20:00:00Z"), at("2025-04-05T10:00:00Z")];
        for zone in zones {
            for spec in specs {
                let s = parse_standard(&format!("TZ={zone} {spec}")).unwrap();
                let Schedule::Spec(inner) = &s else { unreachable!() };
                for start in starts {
                    let (mut a, mut b) = (start, start);
                    for _ in 0..60 {
                        a = s.next(a);
                        b = next_stepwise(inner, b);
                        assert_eq!(a, b, "{zone} {spec} from {start}");
                    }
                }
            }
        }
    }

    #[test]
    fn zones_load_like_go_and_print_rfc3339() {
        assert_eq!(load_location(""), Ok(Zone::Utc));
        assert_eq!(load_location("Local"), Ok(Zone::Utc));
        assert_eq!(load_location("Mars/Olympus"), Err("unknown time zone Mars/Olympus".into()));
        let rome = load_location("Europe/Rome").unwrap();
        assert_eq!(rome.rfc3339(at("2016-05-19T10:00:00Z")), "2016-05-19T12:00:00+02:00");
        assert_eq!(Zone::Utc.rfc3339(at("2016-05-19T10:00:00Z")), "2016-05-19T10:00:00Z");
        let kolkata = load_location("Asia/Kolkata").unwrap();
        assert_eq!(kolkata.rfc3339(0), "1970-01-01T05:30:00+05:30");
    }
}
