//! Asking the person at the terminal for a secret (a YubiKey PIN).
//!
//! The secret is read from the controlling terminal (`/dev/tty`) with echo
//! off, never from the command line and never from standard input (which
//! may be a pipe to a client). Echo is restored when the read ends, however
//! it ends: normally, with an error, or with Ctrl-C ([`ExitOnInterrupt`]
//! restores the terminal before it exits 130).

use crate::credentials::Secret;
use crate::error::{Error, Result};
use nix::libc;
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::sys::termios::{self, LocalFlags, SetArg, Termios};
use std::cell::UnsafeCell;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicI32, Ordering};

/// The longest line read as a secret; longer input is refused (a PIV PIN
/// is at most 8 characters).
const MAX_SECRET: usize = 256;

/// Where secrets come from: the terminal, or a script in tests.
pub trait SecretReader {
    /// Shows `prompt` and reads one line without echo. `Ok(None)` at the
    /// end of input (Ctrl-D).
    fn read_secret(&mut self, prompt: &str) -> Result<Option<Secret>>;
    /// Tells the person something (one line, no `vouch: ` added).
    fn say(&mut self, message: &str);
}

/// The controlling terminal.
pub struct Tty {
    file: File,
}

impl Tty {
    /// Opens `/dev/tty`. Fails when the process has no controlling
    /// terminal (a cron job, `credential_process` under an IDE, CI).
    pub fn open() -> io::Result<Tty> {
        let file = OpenOptions::new().read(true).write(true).open("/dev/tty")?;
        // Make sure it really is a terminal before anything is written to it.
        termios::tcgetattr(&file).map_err(io::Error::from)?;
        Ok(Tty { file })
    }
}

impl SecretReader for Tty {
    fn read_secret(&mut self, prompt: &str) -> Result<Option<Secret>> {
        let failed = |e: &dyn std::fmt::Display| {
            Error::general(format!("cannot read from the terminal: {e}"))
        };
        let original = termios::tcgetattr(&self.file).map_err(|e| failed(&e))?;
        let mut quiet = original.clone();
        quiet
            .local_flags
            .remove(LocalFlags::ECHO | LocalFlags::ECHOE | LocalFlags::ECHOK);
        // The Enter key still moves to the next line.
        quiet.local_flags.insert(LocalFlags::ECHONL);
        let guard = EchoOff::new(&self.file, original);
        // TCSAFLUSH: anything typed before the prompt is not taken as the PIN.
        termios::tcsetattr(&self.file, SetArg::TCSAFLUSH, &quiet).map_err(|e| failed(&e))?;
        let mut tty = &self.file;
        tty.write_all(prompt.as_bytes())
            .and_then(|_| tty.flush())
            .map_err(|e| failed(&e))?;
        let line = read_line(&mut tty).map_err(|e| failed(&e))?;
        drop(guard);
        Ok(line)
    }

    fn say(&mut self, message: &str) {
        let _ = writeln!(self.file, "{message}");
    }
}

/// Reads up to a newline (not included; a `\r` before it is dropped too).
/// `None` when the input ends before any byte; an error for a line longer
/// than [`MAX_SECRET`].
fn read_line(input: &mut dyn Read) -> io::Result<Option<Secret>> {
    let mut buf: Vec<u8> = Vec::with_capacity(64);
    let mut byte = [0u8; 1];
    let mut saw_any = false;
    let result = loop {
        match input.read(&mut byte) {
            Ok(0) if !saw_any => break Ok(None),
            Ok(0) => break Ok(Some(())),
            Ok(_) => {
                saw_any = true;
                if byte[0] == b'\n' {
                    break Ok(Some(()));
                }
                if buf.len() >= MAX_SECRET {
                    break Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "the line is too long",
                    ));
                }
                buf.push(byte[0]);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => break Err(e),
        }
    };
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    let out = match result {
        Ok(Some(())) => match std::str::from_utf8(&buf) {
            Ok(text) => Ok(Some(Secret::new(text))),
            Err(_) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the input is not UTF-8",
            )),
        },
        Ok(None) => Ok(None),
        Err(e) => Err(e),
    };
    buf.fill(0);
    std::hint::black_box(&buf);
    out
}

/// While it lives, the terminal's echo is off; dropping it (or a signal,
/// through [`ExitOnInterrupt`]) turns it back on.
struct EchoOff<'a> {
    file: &'a File,
    original: Termios,
}

impl<'a> EchoOff<'a> {
    fn new(file: &'a File, original: Termios) -> EchoOff<'a> {
        saved_terminal_set(file.as_raw_fd(), original.clone().into());
        EchoOff { file, original }
    }
}

impl Drop for EchoOff<'_> {
    fn drop(&mut self) {
        let _ = termios::tcsetattr(self.file, SetArg::TCSANOW, &self.original);
        saved_terminal_clear();
    }
}

/// The terminal settings to put back if a signal ends the process while
/// echo is off: published by storing the descriptor (after the settings)
/// in [`SAVED_FD`]; `-1` when there is nothing to restore.
static SAVED_FD: AtomicI32 = AtomicI32::new(-1);
static SAVED_TERMIOS: SavedTermios = SavedTermios(UnsafeCell::new(None));

struct SavedTermios(UnsafeCell<Option<libc::termios>>);

// SAFETY: written only while SAVED_FD is -1 (not published), read only
// after SAVED_FD was seen set (Acquire after Release); prompts are not
// concurrent (one terminal, one person).
unsafe impl Sync for SavedTermios {}

fn saved_terminal_set(fd: i32, settings: libc::termios) {
    SAVED_FD.store(-1, Ordering::SeqCst);
    // SAFETY: see `SavedTermios`: not published while written.
    unsafe {
        *SAVED_TERMIOS.0.get() = Some(settings);
    }
    SAVED_FD.store(fd, Ordering::Release);
}

fn saved_terminal_clear() {
    SAVED_FD.store(-1, Ordering::SeqCst);
}

/// The signals that end the process while the hardware key is being
/// used, and their exit codes (128 + the signal, as a shell reports it).
const EXIT_SIGNALS: [Signal; 3] = [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP];

/// While it lives, Ctrl-C (SIGINT), SIGTERM and SIGHUP end the process at
/// once with 128 + the signal (130 for Ctrl-C), after restoring the
/// terminal if a secret was being read and ending the line. Used around
/// everything that waits for a person: a key to be plugged in, a PIN, a
/// touch (a blocking PC/SC call a plain flag could not interrupt). Dropping
/// it puts the previous handlers back.
pub struct ExitOnInterrupt {
    previous: Vec<(Signal, SigAction)>,
}

impl ExitOnInterrupt {
    pub fn install() -> ExitOnInterrupt {
        let action = SigAction::new(
            SigHandler::Handler(exit_on_signal),
            SaFlags::empty(),
            SigSet::empty(),
        );
        let mut previous = Vec::new();
        for sig in EXIT_SIGNALS {
            // SAFETY: the handler only calls async-signal-safe functions
            // (tcsetattr, write, _exit) and reads atomics.
            match unsafe { sigaction(sig, &action) } {
                Ok(old) => {
                    // A signal the parent set to be ignored stays ignored
                    // (as `nohup` expects).
                    if old.handler() == SigHandler::SigIgn {
                        // SAFETY: putting back what was there.
                        let _ = unsafe { sigaction(sig, &old) };
                    } else {
                        previous.push((sig, old));
                    }
                }
                Err(_) => continue,
            }
        }
        ExitOnInterrupt { previous }
    }
}

impl Drop for ExitOnInterrupt {
    fn drop(&mut self) {
        for (sig, old) in self.previous.drain(..).rev() {
            // SAFETY: putting back the handler that was there before.
            let _ = unsafe { sigaction(sig, &old) };
        }
    }
}

extern "C" fn exit_on_signal(sig: libc::c_int) {
    let fd = SAVED_FD.load(Ordering::Acquire);
    // SAFETY: async-signal-safe calls only; the saved settings were written
    // before `fd` was published (see `SavedTermios`).
    unsafe {
        if fd >= 0 {
            if let Some(t) = &*SAVED_TERMIOS.0.get() {
                libc::tcsetattr(fd, libc::TCSANOW, t);
            }
        }
        let msg = b"\nvouch: interrupted\n";
        libc::write(libc::STDERR_FILENO, msg.as_ptr().cast(), msg.len());
        libc::_exit(128 + sig);
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// A [`SecretReader`] that answers from a list and records what it
    /// was shown.
    #[derive(Default)]
    pub struct Scripted {
        pub answers: VecDeque<Option<String>>,
        pub shown: Vec<String>,
    }

    impl Scripted {
        pub fn new(answers: &[Option<&str>]) -> Scripted {
            Scripted {
                answers: answers.iter().map(|a| a.map(str::to_owned)).collect(),
                shown: Vec::new(),
            }
        }
    }

    impl SecretReader for Scripted {
        fn read_secret(&mut self, prompt: &str) -> Result<Option<Secret>> {
            self.shown.push(prompt.to_owned());
            Ok(self
                .answers
                .pop_front()
                .expect("the test gave no more answers")
                .map(Secret::new))
        }
        fn say(&mut self, message: &str) {
            self.shown.push(message.to_owned());
        }
    }

    fn line(input: &[u8]) -> io::Result<Option<String>> {
        read_line(&mut &input[..]).map(|o| o.map(|s| s.expose().to_owned()))
    }

    #[test]
    fn lines_are_read_up_to_the_newline() {
        assert_eq!(line(b"123456\n").unwrap().as_deref(), Some("123456"));
        assert_eq!(line(b"123456\r\nrest").unwrap().as_deref(), Some("123456"));
        assert_eq!(line(b"12345678").unwrap().as_deref(), Some("12345678"));
        assert_eq!(line(b"\n").unwrap().as_deref(), Some(""));
        assert_eq!(line(b"").unwrap(), None, "Ctrl-D");
        assert!(line(&[b'1'; MAX_SECRET + 1]).is_err());
        assert!(line(b"\xff\xfe\n").is_err());
    }

    #[test]
    fn the_interrupt_guard_puts_the_previous_handler_back() {
        let before = unsafe {
            sigaction(
                Signal::SIGHUP,
                &SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty()),
            )
        }
        .unwrap();
        {
            let _g = ExitOnInterrupt::install();
            let now = unsafe {
                sigaction(
                    Signal::SIGHUP,
                    &SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty()),
                )
            }
            .unwrap();
            assert_eq!(now.handler(), SigHandler::Handler(exit_on_signal));
            // Put ours back so that the guard restores over it.
            unsafe { sigaction(Signal::SIGHUP, &now) }.unwrap();
        }
        let after = unsafe { sigaction(Signal::SIGHUP, &before) }.unwrap();
        assert_eq!(after.handler(), SigHandler::SigDfl);
    }
}
