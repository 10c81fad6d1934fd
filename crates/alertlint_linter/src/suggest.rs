//! "Did you mean": the known name closest to a misspelt one (a field, a check, a receiver, a
//! severity, a team, a runbook), for the hint of a diagnostic.

/// The known name closest to a misspelt one, if it is close enough to be a likely typo: at most
/// a third of the known name's length in edits (Levenshtein distance over characters; at least
/// one edit), the fewest edits winning and, among as few, the first name in byte order. Case
/// counts: callers that ignore it lowercase `word` themselves.
pub fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::levenshtein(word, k), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(1))
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn a_likely_typo_finds_its_name() {
        let known = ["annotations", "labels", "expr", "for"];
        assert_eq!(closest("anotations", &known), Some("annotations"));
        assert_eq!(closest("lables", &known), Some("labels"));
        assert_eq!(closest("exr", &known), Some("expr"));
        // An exact match is a distance of 0.
        assert_eq!(closest("for", &known), Some("for"));
    }

    #[test]
    fn too_far_is_no_suggestion() {
        // A third of the length, at least one edit: "for" allows one, "annotations" three.
        let known = ["for", "annotations"];
        assert_eq!(closest("fxx", &known), None);
        assert_eq!(closest("fo", &known), Some("for"));
        assert_eq!(closest("annoxxxions", &known), Some("annotations"));
        assert_eq!(closest("annoxxxxons", &known), None);
        // A transposition is two edits (Levenshtein, not Damerau): too many for "expr".
        assert_eq!(closest("epxr", &["expr"]), None);
        assert_eq!(closest("anything", &[]), None);
    }

    #[test]
    fn ties_go_to_the_first_name_in_byte_order_and_case_counts() {
        assert_eq!(closest("pagf", &["pagh", "page"]), Some("page"));
        assert_eq!(closest("Page", &["page", "Pager"]), Some("Pager"));
        assert_eq!(closest("PAGE", &["page"]), None);
        // Characters, not bytes, are edited; the threshold counts bytes of the known name.
        assert_eq!(closest("crítico", &["critico"]), Some("critico"));
    }
}
