//! Work on one thing done in rounds: jobs that arrive for a key while a round runs wait,
//! and the next round does them all together, in the order they came. A sign-up rush on
//! one session thus takes the session's lock and commits a few times instead of once per
//! person (`registrations::signup`), which is what a rush spends its time on. Reads go
//! in rounds too (`share`): the many visitors of a public page share each read of the
//! data version (`pagecache`), the sign-ups of a rush each read of their session.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    future::Future,
    marker::PhantomData,
    sync::{Arc, Mutex, MutexGuard},
};

use tokio::sync::oneshot;

/// The jobs waiting, per kind of job and key. A key has an entry exactly while a runner
/// works through its rounds.
#[derive(Clone, Default)]
pub struct Rounds(Arc<Mutex<Queues>>);

/// Each key's waiting jobs (a `Waiting<J, R>`), by the type of job and the key.
type Queues = HashMap<(TypeId, i64), Box<dyn Any + Send>>;

/// Jobs waiting for the next round, each with where its result goes.
type Waiting<J, R> = Vec<(J, oneshot::Sender<R>)>;

/// A caller of `share` waiting for a read by `F` (the read's own type tells kinds of
/// read apart, so two kinds never share a key's rounds).
struct Asking<F>(PhantomData<fn() -> F>);

impl Rounds {
    fn waiting(&self) -> MutexGuard<'_, Queues> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Does `job` in a round with the other jobs of its kind for `key`. The first job for
    /// a key starts a runner, a task of its own (a client that goes away stops no one
    /// else's round), which calls `run` with the jobs waiting, at most `most` at a time, in
    /// arrival order, until none waits; the jobs that came meanwhile run with the first
    /// job's `run`. `run` returns one result per job, in the order given. `None` when the
    /// round ended without this job's result (`run` panicked or returned too few, or the
    /// runtime is shutting down).
    pub async fn join<J, R, F, Fut>(&self, key: i64, most: usize, job: J, run: F) -> Option<R>
    where
        J: Send + 'static,
        R: Send + 'static,
        F: Fn(Vec<J>) -> Fut + Send + 'static,
        Fut: Future<Output = Vec<R>> + Send + 'static,
    {
        let (sender, receiver) = oneshot::channel();
        let id = (TypeId::of::<Waiting<J, R>>(), key);
        let first = {
            let mut waiting = self.waiting();
            match waiting.get_mut(&id).and_then(|jobs| jobs.downcast_mut::<Waiting<J, R>>()) {
                Some(jobs) => {
                    jobs.push((job, sender));
                    false
                }
                None => {
                    waiting.insert(id, Box::new(vec![(job, sender)]));
                    true
                }
            }
        };
        if first {
            // Made before the task, so that the key is freed even if the task never runs.
            let guard = Unfinished { rounds: self.clone(), id: Some(id) };
            tokio::spawn(run_rounds(guard, most.max(1), run));
        }
        receiver.await.ok()
    }

    /// Reads something for `key` in rounds: callers that arrive while a read of the same
    /// kind (a `read` closure written at the same place) is under way wait for the next
    /// read, and everyone waiting gets a copy of it. A caller's answer thus always comes
    /// from a read begun after it arrived, and a crowd asking at once costs one read per
    /// round trip instead of one each. The first caller's `read` serves them all, so it
    /// may capture only what every caller at that place has alike (the database, `key`).
    /// `None` as for `join`.
    pub async fn share<T, F, Fut>(&self, key: i64, read: F) -> Option<T>
    where
        T: Clone + Send + 'static,
        F: Fn() -> Fut + Send + 'static,
        Fut: Future<Output = T> + Send + 'static,
    {
        let run = move |asking: Vec<Asking<F>>| {
            let reading = read();
            async move { vec![reading.await; asking.len()] }
        };
        self.join(key, usize::MAX, Asking(PhantomData), run).await
    }
}

/// The runner of `guard`'s key: rounds of at most `most` jobs until none waits.
async fn run_rounds<J, R, F, Fut>(mut guard: Unfinished, most: usize, run: F)
where
    J: Send + 'static,
    R: Send + 'static,
    F: Fn(Vec<J>) -> Fut,
    Fut: Future<Output = Vec<R>>,
{
    let Some(id) = guard.id else { return };
    loop {
        let jobs: Waiting<J, R> = {
            let mut waiting = guard.rounds.waiting();
            let Some(queue) = waiting.get_mut(&id).and_then(|jobs| jobs.downcast_mut::<Waiting<J, R>>()) else {
                return;
            };
            if queue.is_empty() {
                // Under the same lock as the look: a job pushed later starts a new runner.
                waiting.remove(&id);
                guard.id = None;
                return;
            }
            queue.drain(..most.min(queue.len())).collect()
        };
        let (jobs, senders): (Vec<J>, Vec<oneshot::Sender<R>>) = jobs.into_iter().unzip();
        for (sender, result) in senders.into_iter().zip(run(jobs).await) {
            // A requester that went away needs no answer.
            let _ = sender.send(result);
        }
    }
}

/// A key's runner: frees the key (its waiting jobs answered `None`) should the runner
/// end before its rounds did (`run` panicked, or the task was dropped).
struct Unfinished {
    rounds: Rounds,
    id: Option<(TypeId, i64)>,
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.rounds.waiting().remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_arriving_during_a_round_are_done_together_next_at_most_three_at_a_time() {
        let rounds = Rounds::default();
        let (started, wait_started) = oneshot::channel::<()>();
        let (release, released) = oneshot::channel::<()>();
        let gate = Arc::new(Mutex::new(Some((started, released))));
        let sizes = Arc::new(Mutex::new(Vec::new()));
        let run = {
            let (gate, sizes) = (gate.clone(), sizes.clone());
            move |jobs: Vec<u32>| {
                let (gate, sizes) = (gate.clone(), sizes.clone());
                async move {
                    sizes.lock().unwrap().push(jobs.len());
                    let first = gate.lock().unwrap().take();
                    if let Some((started, released)) = first {
                        // The first round holds until the others have queued behind it.
                        started.send(()).unwrap();
                        released.await.unwrap();
                    }
                    jobs.into_iter().map(|j| j * 10).collect::<Vec<_>>()
                }
            }
        };
        let first = tokio::spawn({
            let (rounds, run) = (rounds.clone(), run.clone());
            async move { rounds.join(7, 3, 1, run).await }
        });
        wait_started.await.unwrap();
        let others: Vec<_> = (2..=5)
            .map(|j| {
                let (rounds, run) = (rounds.clone(), run.clone());
                tokio::spawn(async move { rounds.join(7, 3, j, run).await })
            })
            .collect();
        // Every other job is queued once the key's queue holds four.
        while rounds
            .waiting()
            .get(&(TypeId::of::<Waiting<u32, u32>>(), 7))
            .map_or(0, |jobs| jobs.downcast_ref::<Waiting<u32, u32>>().map_or(0, Vec::len))
            < 4
        {
            tokio::task::yield_now().await;
        }
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap(), Some(10));
        for (j, other) in (2..=5).zip(others) {
            assert_eq!(other.await.unwrap(), Some(j * 10));
        }
        assert_eq!(
            *sizes.lock().unwrap(),
            vec![1, 3, 1],
            "one round alone, then the four that came meanwhile, three at most"
        );
        assert!(rounds.waiting().is_empty(), "the key is free once nothing waits");
    }

    /// How many callers of `share` with `_read` wait for `key`'s next read.
    fn queued_for<F: 'static, T: 'static>(rounds: &Rounds, key: i64, _read: &F) -> usize {
        let waiting = rounds.waiting();
        let queue = waiting.get(&(TypeId::of::<Waiting<Asking<F>, T>>(), key));
        queue.and_then(|q| q.downcast_ref::<Waiting<Asking<F>, T>>()).map_or(0, Vec::len)
    }

    #[tokio::test]
    async fn callers_arriving_during_a_read_share_the_next_one() {
        let rounds = Rounds::default();
        let reads = Arc::new(Mutex::new(0u32));
        let (started, wait_started) = oneshot::channel::<()>();
        let (release, released) = oneshot::channel::<()>();
        let gate = Arc::new(Mutex::new(Some((started, released))));
        let read = {
            let (reads, gate) = (reads.clone(), gate.clone());
            move || {
                let (reads, gate) = (reads.clone(), gate.clone());
                async move {
                    let n = {
                        let mut reads = reads.lock().unwrap();
                        *reads += 1;
                        *reads
                    };
                    let first = gate.lock().unwrap().take();
                    if let Some((started, released)) = first {
                        started.send(()).unwrap();
                        released.await.unwrap();
                    }
                    n
                }
            }
        };
        let first = tokio::spawn({
            let (rounds, read) = (rounds.clone(), read.clone());
            async move { rounds.share(3, read).await }
        });
        wait_started.await.unwrap();
        // Three callers arrive while the first read is under way.
        let later: Vec<_> = (0..3)
            .map(|_| {
                let (rounds, read) = (rounds.clone(), read.clone());
                tokio::spawn(async move { rounds.share(3, read).await })
            })
            .collect();
        while queued_for::<_, u32>(&rounds, 3, &read) < 3 {
            tokio::task::yield_now().await;
        }
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap(), Some(1), "the first caller has the read it started");
        for caller in later {
            assert_eq!(caller.await.unwrap(), Some(2), "the later callers share one read begun after they came");
        }
        assert_eq!(*reads.lock().unwrap(), 2);
    }

    #[tokio::test]
    async fn a_round_that_panics_frees_its_key() {
        let rounds = Rounds::default();
        let lost = rounds
            .join(1, 10, 1u8, |jobs: Vec<u8>| async move {
                assert!(jobs.is_empty(), "a bug in a round");
                jobs
            })
            .await;
        assert_eq!(lost, None);
        assert!(rounds.waiting().is_empty());
        let answered = rounds.join(1, 10, 2u8, |jobs: Vec<u8>| async move { jobs }).await;
        assert_eq!(answered, Some(2), "the next job starts a new runner");
    }
}
