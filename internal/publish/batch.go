package publish

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"cartera/internal/partner"
	"cartera/internal/platform/apperr"
	"cartera/reports"
)

// Batch selects the fact sheets made at once: the partners named, or every partner.
// Each sheet compares the partner's own first and latest years with figures, unless
// Years names them.
type Batch struct {
	Lang       reports.Lang
	PartnerIDs []int64 // empty: every partner
	// Years are the two years every sheet compares; zero (the default) means each
	// partner's own first and latest years with figures.
	Years Years
}

// Progress is told each time a document is done, and how many there are.
type Progress func(done, total int)

// FactSheets renders the batch's fact sheets on every core and hands them to emit
// one at a time, in the partners' order (by name, or as named). A few documents are
// rendered ahead of the one being emitted, no more, so memory stays flat however
// many partners there are.
func (s *Service) FactSheets(ctx context.Context, b Batch, emit func(Document) error, progress Progress) error {
	ids, err := s.batchPartners(ctx, b.PartnerIDs)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	r := s.renderAll(ctx, ids, b)
	// On the way out, early or not, stop the feeder and let the workers finish.
	defer func() {
		cancel()
		r.wg.Wait()
	}()
	for i := range ids {
		var res rendered
		select {
		case res = <-r.results[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		<-r.window
		if res.err != nil {
			return fmt.Errorf("fact sheet of partner %d: %w", ids[i], res.err)
		}
		if err := emit(res.doc); err != nil {
			return err
		}
		if progress != nil {
			progress(i+1, len(ids))
		}
	}
	return nil
}

// batchPartners checks the partners named (every one must exist) or, when none is,
// lists every partner.
func (s *Service) batchPartners(ctx context.Context, ids []int64) ([]int64, error) {
	var bad apperr.Fields
	for _, id := range ids {
		if _, err := s.partners.Get(ctx, id); apperr.IsKind(err, apperr.KindNotFound) {
			bad.Add("partner_id", "partner %d does not exist", id)
		} else if err != nil {
			return nil, err
		}
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	if len(ids) > 0 {
		return ids, nil
	}
	refs, err := s.partners.Refs(ctx, partner.Filter{})
	if err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	for _, r := range refs {
		ids = append(ids, r.ID)
	}
	return ids, nil
}

// rendered is one fact sheet, or why it could not be made.
type rendered struct {
	doc Document
	err error
}

// rendering is a batch's sheets being made on every core: each arrives in its own
// slot of results, in order; window bounds the sheets rendered but not yet emitted.
type rendering struct {
	results []chan rendered
	window  chan struct{}
	wg      sync.WaitGroup
}

// renderAll starts the workers and the feeder that hands them the partners in order,
// until ctx is cancelled.
func (s *Service) renderAll(ctx context.Context, ids []int64, b Batch) *rendering {
	workers := runtime.GOMAXPROCS(0)
	r := &rendering{results: make([]chan rendered, len(ids)), window: make(chan struct{}, 4*workers)}
	for i := range r.results {
		r.results[i] = make(chan rendered, 1)
	}
	jobs := make(chan int)
	for range workers {
		r.wg.Go(func() {
			for i := range jobs {
				doc, err := s.FactSheet(ctx, ids[i], b.Lang, b.Years)
				r.results[i] <- rendered{doc, err}
			}
		})
	}
	go func() {
		defer close(jobs)
		for i := range ids {
			select {
			case r.window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	return r
}

// WriteZip writes the batch's fact sheets into a zip archive. PDFs are compressed
// already, so they are stored as they are. Two partners whose names make the same file
// name get their ids appended.
func (s *Service) WriteZip(ctx context.Context, w io.Writer, b Batch, modified time.Time, progress Progress) error {
	zw := zip.NewWriter(w)
	seen := map[string]bool{}
	err := s.FactSheets(ctx, b, func(d Document) error {
		name := uniqueName(seen, d.FileName)
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: modified})
		if err != nil {
			return err
		}
		_, err = f.Write(d.Bytes)
		return err
	}, progress)
	if err != nil {
		return err
	}
	return zw.Close()
}

// uniqueName returns name, or name with a counter before its extension when taken.
func uniqueName(seen map[string]bool, name string) string {
	out := name
	for n := 2; seen[out]; n++ {
		out = fmt.Sprintf("%s-%d.pdf", name[:len(name)-len(".pdf")], n)
	}
	seen[out] = true
	return out
}
