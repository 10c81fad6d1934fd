//! URL helpers shared by runbook resolution and Prometheus' template functions.

/// `%20` and friends; invalid escapes stay as written. Borrowed when there is nothing to
/// decode: nearly every runbook URL, of which a large rule set resolves thousands.
pub fn percent_decode(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('%') {
        return std::borrow::Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        // Two hex digits: `from_str_radix` alone would also take a sign (`%+1`).
        if b[i] == b'%'
            && let Some(&[hi, lo]) = b.get(i + 1..i + 3)
            && let (Some(hi), Some(lo)) = (hex_digit(hi), hex_digit(lo))
        {
            out.push((hi << 4) | lo);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    std::borrow::Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex_digit(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn decodes_two_hex_digits_and_leaves_the_rest() {
        assert_eq!(percent_decode("a%20b%zz%"), "a b%zz%");
        assert_eq!(percent_decode("%2e%2E%2fx"), "../x");
        assert_eq!(percent_decode("%+1%-1%1"), "%+1%-1%1");
        assert_eq!(percent_decode("%41"), "A");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%e9"), "\u{fffd}");
    }
}
