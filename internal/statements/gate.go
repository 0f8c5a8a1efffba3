package statements

import (
	"context"
	"time"

	"cartera/internal/audit"
	"cartera/internal/platform/apperr"
)

// maxImports is how many uploaded tables the process reads and imports at once. One
// import at the caps peaks at a few hundred MB (docs/PERFORMANCE.md); two at once
// keep a small server safe, and the third waits for its turn on the client's side.
const maxImports = 2

// importRetryAfter is what a refused import is told to wait: an import at the caps
// takes a few seconds.
const importRetryAfter = 10 * time.Second

// importGate admits at most its capacity of imports at once, refusing the others at
// once rather than queueing them: a queue of uploads would hold their bytes.
type importGate struct{ slots chan struct{} }

func newImportGate(n int) *importGate { return &importGate{slots: make(chan struct{}, n)} }

// enter takes a slot, returning its release, or a KindBusy error when none is free.
func (g *importGate) enter() (release func(), err error) {
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots }, nil
	default:
		return nil, apperr.Busy("two imports are already running: nothing was imported; try again in a few seconds", importRetryAfter)
	}
}

// ImportSlot takes one of the process's import slots, for work that parses an
// uploaded table outside ImportFile; release gives it back. With every slot taken
// it returns a KindBusy error (429, Retry-After).
func (s *Service) ImportSlot() (release func(), err error) { return s.gate.enter() }

// ImportFile reads an uploaded CSV or XLSX file and imports it with opts, within
// the process's import slots: what the API, the import page and the CLI call.
func (s *Service) ImportFile(ctx context.Context, actor audit.Actor, data []byte, opts ImportOptions) (ImportResult, error) {
	release, err := s.gate.enter()
	if err != nil {
		return ImportResult{}, err
	}
	defer release()
	t, err := ReadTable(data)
	if err != nil {
		return ImportResult{}, err
	}
	return s.Import(ctx, actor, t, opts)
}
