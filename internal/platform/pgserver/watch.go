package pgserver

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Restart delays after the cluster dies: doubling from restartFirst up to restartMax,
// back to restartFirst once a restarted cluster has stayed up for restartStable.
// Variables so that a test can shorten them.
var (
	restartFirst  = 500 * time.Millisecond
	restartMax    = 30 * time.Second
	restartStable = time.Minute
)

// watch waits on the postmaster this process started and, when it exits without
// Stop having asked (killed, out of memory, crashed), starts it again after a delay
// that grows while restarts keep failing. It ends when Stop is called, or when
// another cartera process turns out to run the cluster now (that one watches it).
//
// Two postmasters never run on one data directory: PostgreSQL itself refuses to start
// while postmaster.pid names a live process or its shared memory is still attached
// (by backends of the dead one that have not noticed yet), and the restart decides
// under the start lock, as Start does.
func (s *Server) watch() {
	defer close(s.watchDone)
	// Stop cancels a restart under way, however long the cluster's recovery takes.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	delay := restartFirst
	for {
		select {
		case <-s.quit:
			return
		case <-s.exited:
		}
		select {
		case <-s.quit:
			return // Stop's own shutdown, seen a moment early
		default:
		}
		if time.Since(s.startedAt) >= restartStable {
			delay = restartFirst
		}
		s.log.Error("PostgreSQL exited unexpectedly; restarting it", "data_dir", s.pgData, "in", delay,
			"log", filepath.Join(s.dataDir, "postgres.log"))
		for {
			select {
			case <-s.quit:
				return
			case <-time.After(delay):
			}
			delay = min(2*delay, restartMax)
			elsewhere, err := s.restart(ctx)
			if ctx.Err() != nil {
				return // Stop cancelled the restart
			}
			if err == nil && elsewhere {
				s.log.Info("PostgreSQL was restarted by another cartera process", "data_dir", s.pgData)
				return
			}
			if err == nil {
				s.log.Info("PostgreSQL restarted", "data_dir", s.pgData)
				break
			}
			s.log.Error("restarting PostgreSQL failed; trying again", "data_dir", s.pgData, "in", delay, "error", err)
		}
	}
}

// restart starts the cluster again, under the start lock; elsewhere says another
// process has started it meanwhile, and this one no longer has a child to watch.
func (s *Server) restart(ctx context.Context) (elsewhere bool, err error) {
	startLock, err := lockFile(s.dataDir, ".start.lock", syscall.LOCK_EX)
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", s.dataDir, err)
	}
	defer startLock.Close()
	if s.answers(ctx) {
		s.forgetChild()
		return true, nil
	}
	previous := s.proc
	if err := s.start(ctx, s.owner, s.throwaway); err != nil {
		return false, err
	}
	if s.child() == previous { // start found it answering: another process won the race
		s.forgetChild()
		return true, nil
	}
	return false, nil
}

func (s *Server) forgetChild() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.proc, s.exited = nil, nil
}

// child is the postmaster this process started and runs now, or nil.
func (s *Server) child() *exec.Cmd {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc
}
