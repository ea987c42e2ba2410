//! iden3's binary container, shared by `.ptau`, `.zkey` and `.r1cs`: a 4-byte magic, a u32
//! version and section count, then sections of `u32 id, u64 size, bytes`. Sections are
//! found by id; the order they appear in is part of a file's bytes, so writers choose it.

use std::ops::Range;

use crate::CeremonyError;

/// A parsed container: the file's bytes and where each section's body lies.
pub struct BinFile {
    kind: &'static str,
    bytes: Vec<u8>,
    sections: Vec<(u32, Range<usize>)>,
}

impl BinFile {
    /// Parses `bytes` as a container with magic `kind` and a version of at most
    /// `max_version`; every section must lie inside the file.
    pub fn parse(
        kind: &'static str,
        bytes: Vec<u8>,
        max_version: u32,
    ) -> Result<Self, CeremonyError> {
        let bad = |detail: String| CeremonyError::malformed(kind, detail);
        if bytes.len() < 12 || &bytes[..4] != kind.as_bytes() {
            return Err(bad(format!("does not start with the magic {kind:?}")));
        }
        let version = u32_at(&bytes, 4);
        if version == 0 || version > max_version {
            return Err(bad(format!(
                "version {version}, this build reads 1..={max_version}"
            )));
        }
        let count = u32_at(&bytes, 8);
        let mut sections = Vec::new();
        let mut pos = 12usize;
        for i in 0..count {
            if pos + 12 > bytes.len() {
                return Err(bad(format!(
                    "section header {i} of {count} runs past the end"
                )));
            }
            let id = u32_at(&bytes, pos);
            let size = u64::from_le_bytes(bytes[pos + 4..pos + 12].try_into().unwrap_or_default());
            let start = pos + 12;
            let end = usize::try_from(size)
                .ok()
                .and_then(|s| start.checked_add(s))
                .filter(|&e| e <= bytes.len())
                .ok_or_else(|| bad(format!("section {id} ({size} bytes) runs past the end")))?;
            if sections.iter().any(|(seen, _)| *seen == id) {
                return Err(bad(format!("section {id} appears twice")));
            }
            sections.push((id, start..end));
            pos = end;
        }
        if pos != bytes.len() {
            return Err(bad(format!(
                "{} bytes after the last section",
                bytes.len() - pos
            )));
        }
        Ok(Self {
            kind,
            bytes,
            sections,
        })
    }

    /// The whole file.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Where section `id`'s body lies in [`Self::bytes`], if present.
    pub fn range(&self, id: u32) -> Option<Range<usize>> {
        self.sections
            .iter()
            .find(|(s, _)| *s == id)
            .map(|(_, r)| r.clone())
    }

    /// Section `id`'s body, or an error naming the missing section.
    pub fn section(&self, id: u32) -> Result<&[u8], CeremonyError> {
        self.range(id)
            .map(|r| &self.bytes[r])
            .ok_or_else(|| CeremonyError::malformed(self.kind, format!("section {id} is missing")))
    }

    /// Section ids in file order.
    pub fn order(&self) -> Vec<u32> {
        self.sections.iter().map(|(id, _)| *id).collect()
    }
}

/// Writes a container: sections are appended in the order they are added.
pub struct BinWriter {
    bytes: Vec<u8>,
}

impl BinWriter {
    /// Starts a file with magic `kind`, `version` and `sections` sections to come.
    pub fn new(kind: &str, version: u32, sections: u32) -> Self {
        let mut bytes = kind.as_bytes().to_vec();
        bytes.extend_from_slice(&version.to_le_bytes());
        bytes.extend_from_slice(&sections.to_le_bytes());
        Self { bytes }
    }

    /// Appends section `id` with `body`.
    pub fn section(&mut self, id: u32, body: &[u8]) {
        self.bytes.extend_from_slice(&id.to_le_bytes());
        self.bytes
            .extend_from_slice(&(body.len() as u64).to_le_bytes());
        self.bytes.extend_from_slice(body);
    }

    /// The finished file.
    pub fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

/// The little-endian u32 at `at` (callers check the length first).
pub(crate) fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or_default())
}

/// A cursor over a section body that reports truncation by name.
pub(crate) struct Reader<'a> {
    kind: &'static str,
    what: &'static str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Reads `bytes`, the body of `what` in a file of `kind`.
    pub(crate) fn new(kind: &'static str, what: &'static str, bytes: &'a [u8]) -> Self {
        Self {
            kind,
            what,
            bytes,
            pos: 0,
        }
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], CeremonyError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(CeremonyError::malformed(
                self.kind,
                format!(
                    "{} is truncated at byte {} (wanted {n} more)",
                    self.what, self.pos
                ),
            ));
        };
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// The next little-endian u32.
    pub(crate) fn u32(&mut self) -> Result<u32, CeremonyError> {
        Ok(u32_at(self.take(4)?, 0))
    }

    /// The next little-endian u64.
    pub(crate) fn u64(&mut self) -> Result<u64, CeremonyError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().unwrap_or_default(),
        ))
    }

    /// Fails unless every byte was read.
    pub(crate) fn finish(&self) -> Result<(), CeremonyError> {
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(CeremonyError::malformed(
                self.kind,
                format!(
                    "{}: {} unexpected bytes at the end",
                    self.what,
                    self.bytes.len() - self.pos
                ),
            ))
        }
    }
}
