//! Label sets: sorted `(name, value)` pairs, cheap to clone.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

pub const METRIC_NAME: &str = "__name__";

/// A sorted set of labels. The metric name is stored as `__name__`.
/// Cloning is a reference-count bump, since label sets are shared by
/// every sample of a series at every evaluation step.
#[derive(Clone, Default)]
pub struct Labels {
    pairs: Arc<Pairs>,
}

/// The sorted pairs with their hash, computed once: label sets are hashed
/// into maps at every evaluation step (storage lookups, joins, stale
/// tracking), and rehashing every name and value dominated evaluation time.
#[derive(Default)]
struct Pairs {
    v: Vec<(String, String)>,
    hash: OnceLock<u64>,
    /// `without_name()` of this set, kept because the same stored series loses its
    /// name at every step (`rate(x[5m])`, arithmetic) and rebuilding it copied every
    /// string. Never set on a set without a name, so no cycle.
    nameless: OnceLock<Labels>,
}

impl std::ops::Deref for Pairs {
    type Target = Vec<(String, String)>;
    fn deref(&self) -> &Self::Target {
        &self.v
    }
}

impl Pairs {
    fn hash(&self) -> u64 {
        *self.hash.get_or_init(|| {
            // Fixed keys: the value must be the same for equal sets in every map.
            let mut h = std::hash::DefaultHasher::new();
            self.v.hash(&mut h);
            h.finish()
        })
    }
}

impl Hash for Labels {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.pairs.hash());
    }
}

impl PartialEq for Labels {
    fn eq(&self, other: &Self) -> bool {
        if Arc::ptr_eq(&self.pairs, &other.pairs) {
            return true;
        }
        // Both hashes known and different: unequal without comparing strings.
        if let (Some(a), Some(b)) = (self.pairs.hash.get(), other.pairs.hash.get())
            && a != b
        {
            return false;
        }
        self.pairs.v == other.pairs.v
    }
}

impl Eq for Labels {}

impl PartialOrd for Labels {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Labels {
    fn cmp(&self, other: &Self) -> Ordering {
        if Arc::ptr_eq(&self.pairs, &other.pairs) {
            return Ordering::Equal;
        }
        self.pairs.v.cmp(&other.pairs.v)
    }
}

impl Labels {
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a label set; later duplicates win, empty values are dropped
    /// (Prometheus treats an empty value as an absent label).
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut v: Vec<(String, String)> = Vec::new();
        for (k, val) in pairs {
            let k = k.into();
            let val = val.into();
            if let Some(slot) = v.iter_mut().find(|(n, _)| *n == k) {
                slot.1 = val;
            } else {
                v.push((k, val));
            }
        }
        v.retain(|(_, val)| !val.is_empty());
        v.sort();
        Labels::from_sorted(v)
    }

    fn from_sorted(v: Vec<(String, String)>) -> Self {
        Labels {
            pairs: Arc::new(Pairs {
                v,
                hash: OnceLock::new(),
                nameless: OnceLock::new(),
            }),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
            .map(|i| self.pairs[i].1.as_str())
    }

    /// The value of `name`, or `""` when absent (Prometheus' convention).
    pub fn get_or_empty(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    pub fn metric_name(&self) -> Option<&str> {
        self.get(METRIC_NAME)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(a, b)| (a.as_str(), b.as_str()))
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Returns a copy with `name` set to `value` (removed when `value` is empty).
    pub fn with(&self, name: &str, value: &str) -> Labels {
        let mut v: Vec<(String, String)> = self.pairs.to_vec();
        match v.binary_search_by(|(n, _)| n.as_str().cmp(name)) {
            Ok(i) => {
                if value.is_empty() {
                    v.remove(i);
                } else {
                    v[i].1 = value.to_string();
                }
            }
            Err(i) => {
                if !value.is_empty() {
                    v.insert(i, (name.to_string(), value.to_string()));
                }
            }
        }
        Labels::from_sorted(v)
    }

    pub fn without_name(&self) -> Labels {
        if self.get(METRIC_NAME).is_none() {
            return self.clone();
        }
        self.pairs
            .nameless
            .get_or_init(|| self.filter(|n| n != METRIC_NAME))
            .clone()
    }

    pub fn filter(&self, keep: impl Fn(&str) -> bool) -> Labels {
        if self.pairs.iter().all(|(n, _)| keep(n)) {
            return self.clone();
        }
        let v: Vec<(String, String)> = self
            .pairs
            .iter()
            .filter(|(n, _)| keep(n))
            .cloned()
            .collect();
        Labels::from_sorted(v)
    }

    /// Prometheus' label-set hash (xxhash64 over `name 0xff value 0xff ...`),
    /// needed where results depend on it, e.g. `limit_ratio`.
    pub(crate) fn prom_hash(&self) -> u64 {
        let mut buf: Vec<u8> = Vec::with_capacity(64);
        for (n, v) in self.pairs.iter() {
            buf.extend_from_slice(n.as_bytes());
            buf.push(0xff);
            buf.extend_from_slice(v.as_bytes());
            buf.push(0xff);
        }
        xxhash64(&buf, 0)
    }
}

impl fmt::Display for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (n, v)) in self.pairs.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{n}={v:?}")?;
        }
        f.write_str("}")
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

const P1: u64 = 11400714785074694791;
const P2: u64 = 14029467366897019727;
const P3: u64 = 1609587929392839161;
const P4: u64 = 9650029242287828579;
const P5: u64 = 2870177450012600261;

fn read_u64(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(a)
}

fn read_u32(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[i..i + 4]);
    u32::from_le_bytes(a) as u64
}

fn round(acc: u64, input: u64) -> u64 {
    acc.wrapping_add(input.wrapping_mul(P2))
        .rotate_left(31)
        .wrapping_mul(P1)
}

fn merge_round(acc: u64, val: u64) -> u64 {
    (acc ^ round(0, val)).wrapping_mul(P1).wrapping_add(P4)
}

/// XXH64, as used by Prometheus for label hashes.
pub(crate) fn xxhash64(data: &[u8], seed: u64) -> u64 {
    let len = data.len();
    let mut i = 0;
    let mut h: u64;
    if len >= 32 {
        let mut v1 = seed.wrapping_add(P1).wrapping_add(P2);
        let mut v2 = seed.wrapping_add(P2);
        let mut v3 = seed;
        let mut v4 = seed.wrapping_sub(P1);
        while i + 32 <= len {
            v1 = round(v1, read_u64(data, i));
            v2 = round(v2, read_u64(data, i + 8));
            v3 = round(v3, read_u64(data, i + 16));
            v4 = round(v4, read_u64(data, i + 24));
            i += 32;
        }
        h = v1
            .rotate_left(1)
            .wrapping_add(v2.rotate_left(7))
            .wrapping_add(v3.rotate_left(12))
            .wrapping_add(v4.rotate_left(18));
        h = merge_round(h, v1);
        h = merge_round(h, v2);
        h = merge_round(h, v3);
        h = merge_round(h, v4);
    } else {
        h = seed.wrapping_add(P5);
    }
    h = h.wrapping_add(len as u64);
    while i + 8 <= len {
        let k1 = round(0, read_u64(data, i));
        h = (h ^ k1).rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
        i += 8;
    }
    if i + 4 <= len {
        h = (h ^ read_u32(data, i).wrapping_mul(P1))
            .rotate_left(23)
            .wrapping_mul(P2)
            .wrapping_add(P3);
        i += 4;
    }
    while i < len {
        h = (h ^ (data[i] as u64).wrapping_mul(P5))
            .rotate_left(11)
            .wrapping_mul(P1);
        i += 1;
    }
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^= h >> 32;
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xxhash_known_vectors() {
        assert_eq!(xxhash64(b"", 0), 0xef46db3751d8e999);
        assert_eq!(xxhash64(b"a", 0), 0xd24ec4f1a98c6e5b);
        assert_eq!(
            xxhash64(b"Nobody inspects the spammish repetition", 0),
            0xfbcea83c8a378bf1
        );
    }

    #[test]
    fn labels_sorted_and_modified() {
        let l = Labels::from_pairs([("b", "2"), ("a", "1"), ("c", "")]);
        assert_eq!(l.len(), 2);
        assert_eq!(l.get("a"), Some("1"));
        let l2 = l.with("a", "");
        assert_eq!(l2.get("a"), None);
        assert_eq!(l.with("__name__", "x").metric_name(), Some("x"));
        assert_eq!(format!("{l}"), "{a=\"1\", b=\"2\"}");
    }
}
