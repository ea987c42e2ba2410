//! The job input blob: how a requester hands the quantized input to providers through the
//! escrow's `JobOpened` event (the contract treats it as opaque bytes and never stores it).
//!
//! Layout (version 1): `"ZKIN"`, version `u8`, input count `u8`, then per input: value width in
//! bytes `u8` (1..=8), value count `u32` big-endian, the values as big-endian two's complement
//! of that width. The width is the smallest that holds the input's range, so a 12-bit input
//! costs two bytes of calldata per value.
//!
//! The blob is not trusted: a provider recomputes the Poseidon commitment of what it decoded
//! and proves only when it equals the job's commitment (the circuit would refuse otherwise).

use crate::EvmError;

/// Magic bytes that open a blob.
pub const INPUT_BLOB_MAGIC: &[u8; 4] = b"ZKIN";
/// The blob format version this build reads and writes.
pub const INPUT_BLOB_VERSION: u8 = 1;

/// Encodes quantized inputs (one flat list per model input).
pub fn encode_input_blob(inputs: &[Vec<i64>]) -> Result<Vec<u8>, EvmError> {
    let count = u8::try_from(inputs.len())
        .map_err(|_| EvmError::BadInputBlob(format!("{} inputs (at most 255)", inputs.len())))?;
    let mut out = Vec::new();
    out.extend_from_slice(INPUT_BLOB_MAGIC);
    out.push(INPUT_BLOB_VERSION);
    out.push(count);
    for (i, values) in inputs.iter().enumerate() {
        let width = values.iter().map(|&v| width_of(v)).max().unwrap_or(1);
        let len = u32::try_from(values.len())
            .map_err(|_| EvmError::BadInputBlob(format!("input {i} has too many values")))?;
        out.push(width as u8);
        out.extend_from_slice(&len.to_be_bytes());
        for &v in values {
            out.extend_from_slice(&v.to_be_bytes()[8 - width..]);
        }
    }
    Ok(out)
}

/// Decodes a blob, refusing anything malformed, truncated or with trailing bytes.
pub fn decode_input_blob(blob: &[u8]) -> Result<Vec<Vec<i64>>, EvmError> {
    let bad = |m: String| EvmError::BadInputBlob(m);
    let mut r = Reader { blob, at: 0 };
    if r.take(4)? != INPUT_BLOB_MAGIC {
        return Err(bad("does not start with \"ZKIN\"".into()));
    }
    let version = r.take(1)?[0];
    if version != INPUT_BLOB_VERSION {
        return Err(bad(format!(
            "version {version}, this build reads version {INPUT_BLOB_VERSION}"
        )));
    }
    let count = r.take(1)?[0] as usize;
    let mut inputs = Vec::with_capacity(count);
    for i in 0..count {
        let width = r.take(1)?[0] as usize;
        if !(1..=8).contains(&width) {
            return Err(bad(format!("input {i}: value width {width} (1..=8)")));
        }
        let len = r.take(4)?;
        let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let bytes = r.take(
            len.checked_mul(width)
                .ok_or_else(|| bad("length overflow".into()))?,
        )?;
        let values = bytes
            .chunks_exact(width)
            .map(|c| {
                let fill = if c[0] & 0x80 != 0 { 0xff } else { 0 };
                let mut be = [fill; 8];
                be[8 - width..].copy_from_slice(c);
                i64::from_be_bytes(be)
            })
            .collect();
        inputs.push(values);
    }
    if r.at != blob.len() {
        return Err(bad(format!("{} trailing bytes", blob.len() - r.at)));
    }
    Ok(inputs)
}

/// Bytes needed for `v` in two's complement.
fn width_of(v: i64) -> usize {
    (1..8)
        .find(|&w| {
            let bits = 8 * w as u32;
            let half = 1i64 << (bits - 1);
            (-half..half).contains(&v)
        })
        .unwrap_or(8)
}

/// A cursor that turns running out of bytes into a clear error.
struct Reader<'a> {
    blob: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], EvmError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.blob.len());
        let Some(end) = end else {
            return Err(EvmError::BadInputBlob(format!(
                "truncated: needs {n} bytes at offset {}, has {}",
                self.at,
                self.blob.len() - self.at
            )));
        };
        let out = &self.blob[self.at..end];
        self.at = end;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_the_smallest_width() {
        let inputs = vec![
            vec![0, -1, 2047, -2048, 5],
            vec![i64::MIN, i64::MAX],
            vec![],
        ];
        let blob = encode_input_blob(&inputs).unwrap();
        assert_eq!(decode_input_blob(&blob).unwrap(), inputs);
        // 12-bit values take two bytes each: 6 header + (5 + 10) + (5 + 16) + 5
        assert_eq!(blob.len(), 6 + 5 + 10 + 5 + 16 + 5);
    }

    #[test]
    fn refuses_malformed_blobs() {
        let blob = encode_input_blob(&[vec![1, 2, 3]]).unwrap();
        for cut in 0..blob.len() {
            assert!(
                decode_input_blob(&blob[..cut]).is_err(),
                "truncated at {cut}"
            );
        }
        let mut long = blob.clone();
        long.push(0);
        assert!(decode_input_blob(&long).is_err(), "trailing byte");
        let mut magic = blob.clone();
        magic[0] = b'X';
        assert!(decode_input_blob(&magic).is_err());
        let mut version = blob.clone();
        version[4] = 2;
        assert!(decode_input_blob(&version).is_err());
        let mut width = blob;
        width[6] = 9;
        assert!(decode_input_blob(&width).is_err());
    }
}
