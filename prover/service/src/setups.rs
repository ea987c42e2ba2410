//! Admission of model registrations: a bounded number of registrations pending (compiling,
//! waiting for the setup slot, or setting up), a bound per token, one compile and one setup
//! running at a time in the whole service, and one setup per model id at a time.
//!
//! A registration takes a [`Ticket`] before it compiles; the ticket is held until its setup
//! ends (or the registration stops early) and released on drop, so a panicking or cancelled
//! registration never leaks a place.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tokio::sync::{Semaphore, SemaphorePermit};

/// Why a registration was not admitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupRefusal {
    /// The service's queue of pending setups is full.
    #[error("{pending} model registrations are already pending (limit {limit}, --max-pending-setups): retry later")]
    Full {
        /// Registrations pending.
        pending: usize,
        /// The limit.
        limit: usize,
    },
    /// This token has its maximum of registrations in flight.
    #[error("this token already has {in_flight} model registrations in flight (limit {limit}, --max-setups-per-token): wait for them to finish")]
    TokenBusy {
        /// The token's registrations in flight.
        in_flight: usize,
        /// The limit.
        limit: usize,
    },
}

#[derive(Default)]
struct Inner {
    pending: usize,
    per_token: HashMap<String, usize>,
    models: HashSet<String>,
}

/// The service's registration bounds and slots.
pub struct Setups {
    max_pending: usize,
    max_per_token: usize,
    inner: Mutex<Inner>,
    compile: Semaphore,
    setup: Semaphore,
}

/// A registration's place: released (and its model id's setup lock with it) on drop.
pub struct Ticket {
    setups: Arc<Setups>,
    owner: String,
    model: Option<String>,
}

impl Setups {
    /// At most `max_pending` registrations in the service and `max_per_token` per token.
    pub fn new(max_pending: usize, max_per_token: usize) -> Self {
        Setups {
            max_pending,
            max_per_token,
            inner: Mutex::new(Inner::default()),
            compile: Semaphore::new(1),
            setup: Semaphore::new(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a place for a registration by `owner`, or says why there is none.
    pub fn admit(self: &Arc<Self>, owner: &str) -> Result<Ticket, SetupRefusal> {
        let mut inner = self.lock();
        if inner.pending >= self.max_pending {
            return Err(SetupRefusal::Full {
                pending: inner.pending,
                limit: self.max_pending,
            });
        }
        let mine = inner.per_token.get(owner).copied().unwrap_or(0);
        if mine >= self.max_per_token {
            return Err(SetupRefusal::TokenBusy {
                in_flight: mine,
                limit: self.max_per_token,
            });
        }
        inner.pending += 1;
        *inner.per_token.entry(owner.to_string()).or_insert(0) += 1;
        Ok(Ticket {
            setups: self.clone(),
            owner: owner.to_string(),
            model: None,
        })
    }

    /// Registrations pending now.
    pub fn pending(&self) -> usize {
        self.lock().pending
    }

    /// Waits for the compile slot (one compile at a time: compiling a large model allocates).
    pub async fn compile_slot(&self) -> Option<SemaphorePermit<'_>> {
        self.compile.acquire().await.ok()
    }

    /// Waits for the setup slot (one setup at a time).
    pub async fn setup_slot(&self) -> Option<SemaphorePermit<'_>> {
        self.setup.acquire().await.ok()
    }

    /// Whether a setup of `model` is in flight.
    pub fn setting_up(&self, model: &str) -> bool {
        self.lock().models.contains(model)
    }
}

impl Ticket {
    /// Claims the setup of `model` for this registration: `false` if another registration
    /// already set it up now (then this one must not start a second setup).
    pub fn claim_model(&mut self, model: &str) -> bool {
        let mut inner = self.setups.lock();
        if inner.models.contains(model) {
            return false;
        }
        inner.models.insert(model.to_string());
        self.model = Some(model.to_string());
        true
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut inner = self.setups.lock();
        inner.pending = inner.pending.saturating_sub(1);
        if let Some(n) = inner.per_token.get_mut(&self.owner) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                inner.per_token.remove(&self.owner);
            }
        }
        if let Some(m) = self.model.take() {
            inner.models.remove(&m);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_per_service_and_per_token_and_one_setup_per_model() {
        let s = Arc::new(Setups::new(3, 2));
        let a1 = s.admit("a").unwrap();
        let mut a2 = s.admit("a").unwrap();
        assert_eq!(
            s.admit("a").err(),
            Some(SetupRefusal::TokenBusy {
                in_flight: 2,
                limit: 2
            })
        );
        let mut b1 = s.admit("b").unwrap();
        assert_eq!(
            s.admit("c").err(),
            Some(SetupRefusal::Full {
                pending: 3,
                limit: 3
            })
        );
        assert!(a2.claim_model("m"));
        assert!(!b1.claim_model("m"));
        assert!(s.setting_up("m"));
        drop(a2);
        assert!(!s.setting_up("m"));
        assert!(b1.claim_model("m"));
        drop((a1, b1));
        assert_eq!(s.pending(), 0);
        assert!(s.admit("a").is_ok());
    }
}
