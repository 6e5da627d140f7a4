//! One connection's outbound queue: frames that must arrive, bounded, from
//! the hub (and its clones of the link) to the connection task.
//!
//! A `VecDeque` behind a mutex rather than a tokio `mpsc` channel: a channel
//! allocates its first block of 32 slots (over 1.5 KiB with its shared state)
//! as soon as it is made, and most connections sit idle for hours. This queue
//! takes memory only for the frames waiting in it, and gives back what a burst
//! made it grow once it is empty again. It has no wake-up of its own: the
//! link wakes the connection through the one signal it shares with position
//! batches and close requests ([`super::session`]).

use crate::protocol::Frame;
use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Capacity (in frames) an empty queue keeps; more is given back.
const KEEP_WHEN_EMPTY: usize = 8;

/// The queue, shared by the senders (the hub's links) and the one receiver.
#[derive(Debug)]
pub struct Queue {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    frames: VecDeque<Frame>,
    limit: usize,
    /// Live senders; with none left (and nothing queued) the receiver ends.
    senders: usize,
    /// The receiver is gone: nothing will be read any more.
    closed: bool,
}

impl State {
    fn take(&mut self) -> Option<Frame> {
        let frame = self.frames.pop_front();
        if self.frames.is_empty() && self.frames.capacity() > KEEP_WHEN_EMPTY {
            self.frames = VecDeque::new();
        }
        frame
    }
}

/// What [`Queue::push`] did with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Push {
    Queued,
    /// `limit` frames are already waiting.
    Full,
    /// The receiver is gone.
    Closed,
}

impl Queue {
    /// An empty queue holding at most `limit` frames (at least one), with one
    /// sender.
    pub fn new(limit: usize) -> Queue {
        Queue {
            state: Mutex::new(State {
                frames: VecDeque::new(),
                limit: limit.max(1),
                senders: 1,
                closed: false,
            }),
        }
    }

    /// No code holding the lock can panic, so a poisoned lock still guards
    /// a consistent queue.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a frame unless the queue is full or the receiver gone. Never
    /// waits, and wakes nobody: the caller does.
    pub fn push(&self, frame: Frame) -> Push {
        let mut state = self.state();
        if state.closed {
            return Push::Closed;
        }
        if state.frames.len() >= state.limit {
            return Push::Full;
        }
        state.frames.push_back(frame);
        Push::Queued
    }

    /// The oldest frame, if one is waiting.
    pub fn try_pop(&self) -> Option<Frame> {
        self.state().take()
    }

    /// Whether no frame waits.
    pub fn is_empty(&self) -> bool {
        self.state().frames.is_empty()
    }

    /// Whether every sender is gone and nothing is left to read.
    pub fn is_ended(&self) -> bool {
        let state = self.state();
        state.senders == 0 && state.frames.is_empty()
    }

    /// One more sender.
    pub fn add_sender(&self) {
        self.state().senders += 1;
    }

    /// One sender less; true when it was the last (the caller wakes the
    /// receiver).
    pub fn remove_sender(&self) -> bool {
        let mut state = self.state();
        state.senders = state.senders.saturating_sub(1);
        state.senders == 0
    }

    /// The receiver is gone: drops what is queued and refuses new frames.
    pub fn close(&self) {
        let frames = {
            let mut state = self.state();
            state.closed = true;
            std::mem::take(&mut state.frames)
        };
        drop(frames);
    }

    /// Whether the receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.state().closed
    }

    /// Frames the queue can hold without growing.
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.state().frames.capacity()
    }
}
