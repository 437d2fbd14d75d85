//! The body after `GIT binary patch`: a forward `literal N`/`delta N` block and an optional
//! reverse one, each base85 lines closed by an empty line (or the end of the patch).
//!
//! The decoding itself is [`crate::binary`]'s; this module only finds the blocks in the line
//! stream. Each body line is checked as it is read, so an error names the bad line rather than
//! the block; a block that decodes but does not inflate to its stated size names the block's
//! header line. The forward block is required; after it, a line that does not start a block
//! ends the body (no reverse block), unless it begins like one (`literal `, `delta `) and is
//! malformed.

use std::io::BufRead;

use super::{ParseError, Parser, trim_cr};
use crate::binary::{self, BinaryError};
use crate::types::BinaryPatch;

impl<R: BufRead> Parser<R> {
    /// Reads the blocks after `GIT binary patch`: a forward block and an optional reverse one.
    pub(super) fn binary_body(&mut self) -> Result<BinaryPatch, ParseError> {
        let forward = self.binary_block()?.ok_or(ParseError::Binary {
            line: self.line_no,
            source: BinaryError::BadHeader,
        })?;
        let reverse = self.binary_block()?;
        Ok(BinaryPatch { forward, reverse })
    }

    /// Reads one `literal N`/`delta N` block up to its closing empty line, or `None` when the
    /// next line does not start a block.
    fn binary_block(&mut self) -> Result<Option<crate::types::BinaryBlock>, ParseError> {
        let Some((line, no)) = self.next_line()? else {
            return Ok(None);
        };
        let l = trim_cr(&line);
        let (kind, size) = match binary::parse_block_header(l) {
            Ok(k) => k,
            Err(e) => {
                if l.starts_with(b"literal ") || l.starts_with(b"delta ") {
                    return Err(ParseError::Binary {
                        line: no,
                        source: e,
                    });
                }
                self.push_back(line, no);
                return Ok(None);
            }
        };
        let mut data: Vec<Vec<u8>> = Vec::new();
        // git ends a block with an empty line; the end of the patch ends it too.
        while let Some((body, bno)) = self.next_line()? {
            let b = trim_cr(&body);
            if b.is_empty() {
                break;
            }
            // Check each line as it comes, so an error names the bad line.
            binary::decode_base85_line(b)
                .map_err(|source| ParseError::Binary { line: bno, source })?;
            data.push(b.to_vec());
        }
        let block = binary::decode_block(kind, size, data.iter().map(Vec::as_slice))
            .map_err(|source| ParseError::Binary { line: no, source })?;
        Ok(Some(block))
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::tests::{err, files};
    use crate::parse::{ParseError, parse_all};
    use crate::types::BinaryBlock;

    #[test]
    fn bad_base85_names_the_line() {
        let p =
            b"diff --git a/x b/x\nindex 1..2\nGIT binary patch\nliteral 3\nKcmb<ms0083\x01N)#j\n\n";
        assert!(matches!(err(p), ParseError::Binary { line: 5, .. }));
        // Truncated block (size mismatch after inflate)
        let p =
            b"diff --git a/x b/x\nindex 1..2\nGIT binary patch\nliteral 5\nKcmb<ms0083<N)#j\n\n";
        assert!(matches!(err(p), ParseError::Binary { line: 4, .. }));
        // literal header with a bad number
        let p = b"diff --git a/x b/x\nGIT binary patch\nliteral 99999999999999999999\n";
        assert!(matches!(err(p), ParseError::Binary { line: 3, .. }));
        let ok = b"diff --git a/x b/x\nGIT binary patch\nliteral 3\nKcmb<ms0083<N)#j\n";
        let items = parse_all(ok).unwrap();
        let f = files(&items)[0];
        assert_eq!(
            f.binary.as_ref().unwrap().forward,
            BinaryBlock::Literal(b"x\0y".to_vec())
        );
    }
}
