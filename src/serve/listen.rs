//! The listening socket of `assure serve`, kept for the whole run (SPEC §14.7).
//!
//! tiny_http accepts connections on a thread of its own, and that thread ends for good
//! when the process runs out of file descriptors, which a burst of connections can
//! cause: `accept` fails with `EMFILE` (tiny_http passes the error to one `recv` and
//! stops), or `accept` takes the last descriptor and tiny_http's `try_clone` of the new
//! connection panics. Either way tiny_http closes its socket and never answers again.
//!
//! So [`Listener`] keeps its own handle on the socket (while it is open, the socket
//! listens and connections wait in the kernel's backlog), and a watcher thread notices
//! when tiny_http has stopped accepting — it said so, or (on Unix) the descriptor it
//! was given no longer is the socket — waits for descriptors to be freed, and starts a
//! new tiny_http server on the same socket. Each server, old ones included, has a thread
//! that moves its requests into one queue the workers read, so a request on a
//! connection an old server accepted (a page kept alive in a browser) is still answered.
//! On Windows only the error tiny_http reports is seen, not the panic.

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

/// How often the watcher looks, and the first wait before listening again; the wait
/// doubles while accepting keeps failing, up to [`MAX_RETRY`].
const RETRY: Duration = Duration::from_millis(100);
const MAX_RETRY: Duration = Duration::from_secs(3);

/// tiny_http servers on one socket, restarted whenever one stops accepting.
pub(crate) struct Listener {
    /// Our handle on the socket: while it is open, the socket listens.
    socket: TcpListener,
    addr: Option<std::net::SocketAddr>,
    /// Every server started, to wake their threads at shutdown.
    servers: Mutex<Vec<Arc<tiny_http::Server>>>,
    queue: mpsc::Sender<Option<tiny_http::Request>>,
    requests: Mutex<mpsc::Receiver<Option<tiny_http::Request>>>,
    stopping: AtomicBool,
    /// Set when a server reported that its `accept` failed.
    accept_failed: AtomicBool,
    /// Set when a request came in: accepting works, so the next wait starts short.
    served: AtomicBool,
}

/// A tiny_http server and the descriptor it accepts on (Unix), to tell that it still does.
struct Started {
    server: tiny_http::Server,
    descriptor: Option<i64>,
}

impl Listener {
    pub(crate) fn new(socket: TcpListener) -> std::io::Result<Arc<Listener>> {
        quiet_tiny_http_panics();
        let first = start(&socket)?;
        let addr = first.server.server_addr().to_ip();
        let (queue, requests) = mpsc::channel();
        let listener = Arc::new(Listener {
            socket,
            addr,
            servers: Mutex::new(Vec::new()),
            queue,
            requests: Mutex::new(requests),
            stopping: AtomicBool::new(false),
            accept_failed: AtomicBool::new(false),
            served: AtomicBool::new(false),
        });
        let descriptor = first.descriptor;
        listener.pump(first.server);
        let me = Arc::clone(&listener);
        std::thread::spawn(move || me.watch(descriptor));
        Ok(listener)
    }

    /// The address it listens on.
    pub(crate) fn addr(&self) -> Option<std::net::SocketAddr> {
        self.addr
    }

    /// The next request, for a worker; `None` once [`Listener::stop`] was called.
    pub(crate) fn recv(&self) -> Option<tiny_http::Request> {
        let requests = lock(&self.requests);
        requests.recv().ok().flatten()
    }

    /// Moves `server`'s requests into the queue, on a thread of its own, until shutdown.
    fn pump(self: &Arc<Self>, server: tiny_http::Server) {
        let server = Arc::new(server);
        lock(&self.servers).push(Arc::clone(&server));
        let me = Arc::clone(self);
        std::thread::spawn(move || loop {
            match server.recv() {
                Ok(rq) => {
                    me.served.store(true, Ordering::Relaxed);
                    if me.queue.send(Some(rq)).is_err() {
                        return;
                    }
                }
                Err(_) if me.stopping.load(Ordering::Relaxed) => return,
                // The accepting thread met an error of the system and ended.
                Err(e) if e.raw_os_error().is_some() => {
                    me.accept_failed.store(true, Ordering::Relaxed)
                }
                Err(_) => {}
            }
        });
    }

    /// The watcher: starts a new server whenever the current one stopped accepting.
    fn watch(self: Arc<Self>, mut descriptor: Option<i64>) {
        let mut wait = RETRY;
        let mut warned = false;
        loop {
            std::thread::sleep(RETRY);
            if self.stopping.load(Ordering::Relaxed) {
                return;
            }
            if self.served.swap(false, Ordering::Relaxed) {
                wait = RETRY;
                warned = false;
            }
            let stopped = self.accept_failed.swap(false, Ordering::Relaxed)
                || descriptor.is_some_and(|d| !same_socket(&self.socket, d));
            if !stopped {
                continue;
            }
            if !warned {
                crate::errln!("warning: serve cannot accept connections (out of file descriptors?); listening again as soon as it can");
                warned = true;
            }
            // Wait for descriptors to be freed; the new handle needs one too.
            loop {
                std::thread::sleep(wait);
                wait = (wait * 2).min(MAX_RETRY);
                if self.stopping.load(Ordering::Relaxed) {
                    return;
                }
                if let Ok(started) = start(&self.socket) {
                    descriptor = started.descriptor;
                    self.pump(started.server);
                    break;
                }
            }
        }
    }

    /// Makes every [`Listener::recv`] (`workers` of them) return `None`.
    pub(crate) fn stop(&self, workers: usize) {
        self.stopping.store(true, Ordering::Relaxed);
        for server in lock(&self.servers).iter() {
            server.unblock();
        }
        for _ in 0..workers {
            let _ = self.queue.send(None);
        }
    }
}

/// tiny_http's accepting thread panics when it runs out of descriptors; the watcher
/// handles that and says so in one line, so the panic's message and backtrace (once per
/// failed connection) are not printed. Every other panic is reported as before.
fn quiet_tiny_http_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info
            .location()
            .is_some_and(|l| l.file().contains("tiny_http"))
        {
            return;
        }
        default(info);
    }));
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock only means a thread panicked; the data is still whole.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A tiny_http server accepting on a second handle of `socket` (tiny_http closes the
/// handle it is given when its accepting thread ends; ours stays open).
fn start(socket: &TcpListener) -> std::io::Result<Started> {
    let handle = socket.try_clone()?;
    #[cfg(unix)]
    let descriptor = Some(i64::from(std::os::fd::AsRawFd::as_raw_fd(&handle)));
    #[cfg(not(unix))]
    let descriptor = None;
    let server = tiny_http::Server::from_listener(handle, None).map_err(std::io::Error::other)?;
    Ok(Started { server, descriptor })
}

/// Whether descriptor `d` is still open on the same socket as `socket` (once tiny_http
/// has closed it, the number may have been reused for another file).
#[cfg(unix)]
fn same_socket(socket: &TcpListener, d: i64) -> bool {
    use std::os::fd::AsRawFd;
    let Ok(d) = libc::c_int::try_from(d) else {
        return false;
    };
    let stat = |fd: libc::c_int| {
        // SAFETY: fstat writes into the zeroed struct it is given, for any descriptor
        // number (a closed one gives an error).
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        (unsafe { libc::fstat(fd, &mut st) } == 0).then_some((st.st_dev, st.st_ino))
    };
    match (stat(socket.as_raw_fd()), stat(d)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_socket(_socket: &TcpListener, _d: i64) -> bool {
    true
}
