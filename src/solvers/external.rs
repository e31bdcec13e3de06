//! A solver outside this crate: a command that reads an instance file and prints a
//! solution (SPEC 8) on stdout (docs/external.md).
//!
//! `--external NAME=CMD` registers [`External`] under `NAME`. Each solve writes the
//! instance's canonical JSON to a temporary file and runs `sh -c 'CMD "$@"' sh FILE`:
//! CMD through the shell with the file's path appended as its last argument, stdin
//! empty, and the environment variables [`ENV_SEED`] (the seed) and [`ENV_TIME_LIMIT`]
//! (the time limit in seconds, unset without one). Its stdout must be one JSON object
//! with at least `assignment` (and `variants` for instances with variants); whatever
//! else it prints goes to the answer's [`Diagnostics::External`] (its claimed
//! objective, status and bound, the exit status, the tail of its stderr), never into
//! the reported numbers: the objective is the model's, recomputed by
//! [`crate::solver::run`], and a bound claimed by an outside process is not evidence.
//!
//! The process's wall time is the solve's time. A non-zero exit, output that is not a
//! solution, an assignment that does not fit the instance, or a run past the time
//! limit (the process group is killed) is an [`Error::SolverFailed`] naming the
//! solver: `solve` exits with it, `table` and `compare` record it as a failure. An
//! answer that breaks a constraint of (P) is returned as it is, and the evaluation's
//! violations flag it ([`Solver::ignores_tau`] is true: nothing outside the crate
//! promises to keep the users with `alpha > tau` offloaded).

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::instance::Instance;
use crate::solution::SolutionFile;
use crate::solver::{Answer, Budget, Diagnostics, Solver};

/// The environment variable holding the seed ([`crate::Limits::seed`]).
pub const ENV_SEED: &str = "LLM_OFFLOAD_SEED";
/// The environment variable holding the time limit in seconds (unset without one).
pub const ENV_TIME_LIMIT: &str = "LLM_OFFLOAD_TIME_LIMIT_S";

/// How much of the process's stderr the diagnostics keep (the last bytes).
pub const STDERR_TAIL_BYTES: usize = 2000;

/// A `NAME=CMD` pair as given to `--external`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalSpec {
    /// The solver's registry name.
    pub name: String,
    /// The shell command (the instance file's path is appended).
    pub command: String,
}

impl ExternalSpec {
    /// Parses `NAME=CMD`: the name (before the first `=`) is 1 to 64 characters of
    /// letters, digits, `-`, `_` and `.`, and is no built-in solver's name; the
    /// command is not blank.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming `--external`, the value and the rule broken.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |rule: &str| Error::field("option", "--external", format!("`{text}`"), rule);
        let Some((name, command)) = text.split_once('=') else {
            return Err(bad("must be NAME=CMD (e.g. my-greedy='python3 greedy.py')"));
        };
        let name = name.trim();
        if name.is_empty() || name.len() > 64 {
            return Err(bad("the NAME before `=` must be 1 to 64 characters"));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(bad(
                "the NAME before `=` may hold only letters, digits, `-`, `_` and `.`",
            ));
        }
        if super::names().contains(&name) {
            return Err(bad(&format!(
                "`{name}` is a built-in solver; give the outside solver another name"
            )));
        }
        if command.trim().is_empty() {
            return Err(bad("the command after `=` is empty"));
        }
        Ok(ExternalSpec {
            name: name.to_string(),
            command: command.to_string(),
        })
    }

    /// Parses every `--external` value; a name given twice is an error.
    ///
    /// # Errors
    /// As [`ExternalSpec::parse`]; [`Error::InvalidField`] for a repeated name.
    pub fn parse_all(texts: &[String]) -> Result<Vec<Self>> {
        let mut out: Vec<Self> = Vec::with_capacity(texts.len());
        for t in texts {
            let s = Self::parse(t)?;
            if out.iter().any(|o| o.name == s.name) {
                return Err(Error::field(
                    "option",
                    "--external",
                    format!("`{t}`"),
                    format!("the name `{}` is registered twice", s.name),
                ));
            }
            out.push(s);
        }
        Ok(out)
    }

    /// The solver it registers.
    #[must_use]
    pub fn solver(&self) -> External {
        External::new(&self.name, &self.command)
    }
}

/// An outside solver: a shell command run once per solve (see the module docs).
#[derive(Debug, Clone)]
pub struct External {
    name: &'static str,
    command: String,
}

impl External {
    /// The solver `name` running `command`. The name is kept for the whole program
    /// (solver names are `&'static str`): register each outside solver once.
    #[must_use]
    pub fn new(name: &str, command: &str) -> Self {
        External {
            name: Box::leak(name.to_string().into_boxed_str()),
            command: command.to_string(),
        }
    }

    /// The shell command.
    #[must_use]
    pub fn command(&self) -> &str {
        &self.command
    }

    fn failed(&self, reason: String) -> Error {
        Error::SolverFailed {
            solver: self.name,
            reason,
        }
    }
}

/// The last [`STDERR_TAIL_BYTES`] of `bytes` as text.
fn tail(bytes: &[u8]) -> String {
    let start = bytes.len().saturating_sub(STDERR_TAIL_BYTES);
    String::from_utf8_lossy(&bytes[start..])
        .trim_end()
        .to_string()
}

/// Reads a pipe to its end on a thread; the bytes arrive on the returned channel.
fn drain(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    if let Some(mut p) = pipe {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = p.read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
    } else {
        let _ = tx.send(Vec::new());
    }
    rx
}

/// Kills the process and its process group (the shell's children with it).
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        // The child leads its own process group (see `search`); `kill -KILL -PGID`
        // reaches the command the shell started, not only the shell.
        let _ = Command::new("kill")
            .arg("-KILL")
            .arg("--")
            .arg(format!("-{}", child.id()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
}

impl Solver for External {
    fn name(&self) -> &'static str {
        self.name
    }

    fn description(&self) -> &'static str {
        "outside solver (--external): a command printing a solution JSON"
    }

    /// Nothing outside the crate promises to keep the forced users offloaded: an
    /// answer may be infeasible for (P), and the evaluation's violations say so.
    fn ignores_tau(&self) -> bool {
        true
    }

    fn is_seeded(&self) -> bool {
        true
    }

    fn search(&self, inst: &Instance, budget: &Budget<'_>) -> Result<Answer> {
        let mut file = tempfile::Builder::new()
            .prefix("llm-offload-instance-")
            .suffix(".json")
            .tempfile()
            .map_err(|e| self.failed(format!("cannot create a temporary instance file: {e}")))?;
        {
            use std::io::Write;
            let f = file.as_file_mut();
            f.write_all(inst.to_json().as_bytes())
                .and_then(|()| f.flush())
                .map_err(|e| self.failed(format!("cannot write the instance file: {e}")))?;
        }
        let path = file.path().to_path_buf();
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("{} \"$@\"", self.command))
            .arg("sh")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env(ENV_SEED, budget.seed.to_string());
        match budget.time_limit {
            Some(t) => cmd.env(ENV_TIME_LIMIT, t.as_secs_f64().to_string()),
            None => cmd.env_remove(ENV_TIME_LIMIT),
        };
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| self.failed(format!("cannot start `sh -c {}`: {e}", self.command)))?;
        let out_rx = drain(child.stdout.take());
        let err_rx = drain(child.stderr.take());
        let deadline = budget.remaining().map(|r| Instant::now() + r);
        let mut pause = Duration::from_micros(100);
        let status = loop {
            match child.try_wait() {
                Ok(Some(s)) => break s,
                Ok(None) => {}
                Err(e) => {
                    kill_group(&mut child);
                    return Err(self.failed(format!("cannot wait for the process: {e}")));
                }
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                kill_group(&mut child);
                let _ = child.wait();
                let stderr = err_rx
                    .recv_timeout(Duration::from_secs(1))
                    .unwrap_or_default();
                let limit = budget.time_limit.map_or(0.0, |t| t.as_secs_f64());
                return Err(self.failed(format!(
                    "still running at the time limit of {limit} s: killed{}",
                    stderr_note(&stderr)
                )));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(5));
        };
        // A child the command left in the background may keep the pipes open: wait for
        // them no longer than the time limit allows (a second past it at most).
        let wait = budget
            .remaining()
            .map_or(Duration::from_secs(3600), |r| r + Duration::from_secs(1));
        let stdout = out_rx.recv_timeout(wait).unwrap_or_default();
        let stderr = err_rx
            .recv_timeout(Duration::from_secs(1))
            .unwrap_or_default();
        drop(file);
        if !status.success() {
            return Err(self.failed(format!(
                "the command exited with {status}{}",
                stderr_note(&stderr)
            )));
        }
        let text = String::from_utf8_lossy(&stdout);
        let origin = format!("the output of outside solver `{}`", self.name);
        let sol = SolutionFile::from_json(&text, &origin).map_err(|e| {
            self.failed(format!(
                "its stdout is not a solution JSON with `assignment` (SPEC 8): {e}"
            ))
        })?;
        let assignment = sol
            .assignment()
            .and_then(|a| a.check_fits(inst).map(|()| a))
            .map_err(|e| self.failed(format!("its answer does not fit the instance: {e}")))?;
        let mut extra: serde_json::Value =
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        if let Some(o) = extra.as_object_mut() {
            o.remove("assignment");
            o.remove("variants");
        }
        let diagnostics = serde_json::json!({
            "command": self.command,
            "exit_status": status.code(),
            "claimed_objective": sol.objective,
            "claimed_bound": sol.bound,
            "claimed_status": sol.status,
            "stderr_tail": tail(&stderr),
            "output": extra,
        });
        Ok(Answer::new(assignment).with_diagnostics(Diagnostics::External(diagnostics)))
    }
}

fn stderr_note(stderr: &[u8]) -> String {
    let t = tail(stderr);
    if t.is_empty() {
        String::new()
    } else {
        format!("; stderr ends: {}", t.replace('\n', " | "))
    }
}

/// Every built-in solver and the outside ones, in display order (built-ins first).
#[must_use]
pub fn all_with(externals: &[ExternalSpec]) -> Vec<Box<dyn Solver>> {
    let mut v = super::all();
    v.extend(
        externals
            .iter()
            .map(|e| Box::new(e.solver()) as Box<dyn Solver>),
    );
    v
}

/// The solver called `name`: an outside one of `externals`, or a built-in.
///
/// # Errors
/// [`Error::UnknownSolver`] listing the built-in and outside names.
pub fn by_name_with(name: &str, externals: &[ExternalSpec]) -> Result<Box<dyn Solver>> {
    if let Some(e) = externals.iter().find(|e| e.name == name) {
        return Ok(Box::new(e.solver()));
    }
    super::by_name(name).map_err(|_| {
        let mut known = super::names().join(", ");
        for e in externals {
            known.push_str(", ");
            known.push_str(&e.name);
        }
        Error::UnknownSolver {
            name: name.to_string(),
            known,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solver::Limits;
    use crate::sources::generate::{generate, GenConfig};

    fn inst() -> Instance {
        generate(&GenConfig {
            users: 4,
            servers: 2,
            seed: 1,
            ..GenConfig::default()
        })
        .unwrap()
    }

    fn ext(cmd: &str) -> External {
        External::new("ext-test", cmd)
    }

    #[test]
    fn names_are_validated() {
        assert!(ExternalSpec::parse("my-greedy=python3 g.py").is_ok());
        for bad in ["nocommand", "=cmd", "goa=cmd", "a b=cmd", "x=  "] {
            let e = ExternalSpec::parse(bad).unwrap_err().to_string();
            assert!(e.contains("--external"), "{e}");
        }
        let twice = ["a=x".to_string(), "a=y".to_string()];
        assert!(ExternalSpec::parse_all(&twice)
            .unwrap_err()
            .to_string()
            .contains("twice"));
    }

    #[test]
    fn a_printed_assignment_is_the_answer_and_the_rest_diagnostics() {
        let out = ext(r#"printf '{"assignment":[null,0,1,null],"objective":-5}'; true"#)
            .solve(&inst(), &Limits::default())
            .unwrap();
        assert_eq!(out.assignment().server(1), Some(0));
        let Diagnostics::External(d) = out.diagnostics() else {
            panic!("{:?}", out.diagnostics())
        };
        assert_eq!(d["claimed_objective"], -5.0);
        // The reported objective is the model's, not the claimed -5.
        assert!(out.objective() > 0.0);
    }

    #[test]
    fn the_instance_path_and_environment_reach_the_command() {
        let limits = Limits {
            seed: 42,
            time_limit: Some(Duration::from_secs(30)),
            ..Limits::default()
        };
        // The path is appended as `"$@"`, and is `$1` as well.
        let cmd = r#"test -f "$1" && test "$LLM_OFFLOAD_SEED" = 42 && test "$LLM_OFFLOAD_TIME_LIMIT_S" = 30 && echo '{"assignment":[null,null,null,null]}'; :"#;
        let out = ext(cmd).solve(&inst(), &limits).unwrap();
        assert_eq!(out.assignment().offloaded(), 0);
    }

    #[test]
    fn failures_are_errors_naming_the_solver() {
        let i = inst();
        let l = Limits::default();
        let crash = ext("echo boom >&2; false").solve(&i, &l).unwrap_err();
        assert!(
            crash.to_string().contains("ext-test failed") && crash.to_string().contains("boom"),
            "{crash}"
        );
        let json = ext("echo not json").solve(&i, &l).unwrap_err().to_string();
        assert!(json.contains("not a solution JSON"), "{json}");
        let dims = ext(r#"echo '{"assignment":[0]}'; :"#)
            .solve(&i, &l)
            .unwrap_err()
            .to_string();
        assert!(dims.contains("does not fit"), "{dims}");
        let server = ext(r#"echo '{"assignment":[0,0,0,7]}'; :"#)
            .solve(&i, &l)
            .unwrap_err()
            .to_string();
        assert!(server.contains("only 2 servers"), "{server}");
    }

    #[test]
    fn a_run_past_the_time_limit_is_killed() {
        let limits = Limits {
            time_limit: Some(Duration::from_millis(200)),
            ..Limits::default()
        };
        let start = Instant::now();
        let e = ext("sleep 30; :").solve(&inst(), &limits).unwrap_err();
        assert!(e.to_string().contains("time limit"), "{e}");
        assert!(start.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn lookup_sees_outside_solvers() {
        let specs = ExternalSpec::parse_all(&["mine=true".to_string()]).unwrap();
        assert_eq!(by_name_with("mine", &specs).unwrap().name(), "mine");
        assert_eq!(by_name_with("goa", &specs).unwrap().name(), "goa");
        let e = by_name_with("nope", &specs).err().unwrap().to_string();
        assert!(e.contains("mine"), "{e}");
        assert_eq!(all_with(&specs).len(), crate::solvers::all().len() + 1);
    }
}
