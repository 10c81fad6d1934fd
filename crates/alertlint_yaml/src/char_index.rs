//! saphyr reports positions as character indices; spans in alertlint are byte offsets.

/// How many characters apart the stored checkpoints are: a lookup walks at most this many.
const STRIDE: usize = 256;

pub(crate) struct CharIndex<'a> {
    text: &'a str,
    ascii: bool,
    /// Byte offset of every `STRIDE`-th character.
    checkpoints: Vec<usize>,
}

impl<'a> CharIndex<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let ascii = text.is_ascii();
        let checkpoints = if ascii {
            Vec::new()
        } else {
            text.char_indices()
                .step_by(STRIDE)
                .map(|(byte, _)| byte)
                .collect()
        };
        CharIndex {
            text,
            ascii,
            checkpoints,
        }
    }

    /// Byte offset of the character at `char_index` (the text's length past the end).
    pub(crate) fn byte(&self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        let Some(&base) = self.checkpoints.get(char_index / STRIDE) else {
            return self.text.len();
        };
        self.text[base..]
            .char_indices()
            .nth(char_index % STRIDE)
            .map_or(self.text.len(), |(b, _)| base + b)
    }
}
