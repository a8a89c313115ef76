//! Bodies and messages given on the command line: text, `@FILE`, or `-` for standard input.

use std::io::Read;

use crate::failure::Failure;

/// Reads a body argument: `None` or `-` reads standard input, `@PATH` a file, anything else
/// is the text itself.
pub(crate) fn read_body(arg: Option<&str>) -> Result<Vec<u8>, Failure> {
    match arg {
        None | Some("-") => {
            let mut body = Vec::new();
            std::io::stdin()
                .read_to_end(&mut body)
                .map_err(|e| Failure::runtime(format!("reading standard input: {e}")))?;
            Ok(body)
        }
        Some(text) => match text.strip_prefix('@') {
            Some(path) => {
                std::fs::read(path).map_err(|e| Failure::usage(format!("reading {path}: {e}")))
            }
            None => Ok(text.as_bytes().to_vec()),
        },
    }
}
