//! `llm-offload uncertainty`: alpha of each completion response in a JSON-lines file.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use llm_offload::uncertainty::{alpha_from_candidates, candidates_from_response, DEFAULT_TOP_K};
use llm_offload::Error;

/// Arguments of `uncertainty`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// JSON-lines file, one completion response per line (OpenAI-compatible chat or
    /// completions responses with logprobs, or llama.cpp `/completion` responses).
    /// `-` reads standard input.
    file: PathBuf,
    /// Candidates kept after merging equal strings.
    #[arg(long, default_value_t = DEFAULT_TOP_K, value_parser = super::parse::at_least_one)]
    top_k: usize,
    /// Generated token position to read (the first answer token; 0 = first).
    #[arg(long, default_value_t = 0)]
    position: usize,
}

pub fn run(a: &Args) -> Result<ExitCode> {
    let reader: Box<dyn BufRead> = if a.file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(&a.file)
                .with_context(|| format!("opening {}", a.file.display()))?,
        ))
    };
    outln!("line\talpha");
    for (k, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", a.file.display()))?;
        let line = if k == 0 {
            llm_offload::validate::strip_bom(&line).to_string()
        } else {
            line
        };
        if line.trim().is_empty() {
            continue;
        }
        let bad = |message: String| Error::Line {
            path: a.file.clone(),
            line: k + 1,
            message,
        };
        let v: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| bad(format!("malformed JSON: {e}")))?;
        let (cands, scale) =
            candidates_from_response(&v, a.position).map_err(|e| bad(e.to_string()))?;
        let alpha =
            alpha_from_candidates(&cands, scale, a.top_k).map_err(|e| bad(e.to_string()))?;
        outln!("{}\t{alpha:.6}", k + 1);
    }
    Ok(ExitCode::SUCCESS)
}
