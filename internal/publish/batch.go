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
	ids := b.PartnerIDs
	var bad apperr.Fields
	for _, id := range ids {
		if _, err := s.partners.Get(ctx, id); apperr.IsKind(err, apperr.KindNotFound) {
			bad.Add("partner_id", "partner %d does not exist", id)
		} else if err != nil {
			return err
		}
	}
	if err := bad.Err(); err != nil {
		return err
	}
	if len(ids) == 0 {
		refs, err := s.partners.Refs(ctx, partner.Filter{})
		if err != nil {
			return fmt.Errorf("list partners: %w", err)
		}
		for _, r := range refs {
			ids = append(ids, r.ID)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	workers := runtime.GOMAXPROCS(0)
	type result struct {
		doc Document
		err error
	}
	results := make([]chan result, len(ids))
	for i := range results {
		results[i] = make(chan result, 1)
	}
	window := make(chan struct{}, 4*workers) // documents rendered but not yet emitted
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				doc, err := s.FactSheet(ctx, ids[i], b.Lang, b.Years)
				results[i] <- result{doc, err}
			}
		})
	}
	go func() {
		defer close(jobs)
		for i := range ids {
			select {
			case window <- struct{}{}:
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
	// On the way out, early or not, stop the feeder and let the workers finish.
	defer func() {
		cancel()
		wg.Wait()
	}()
	for i := range ids {
		var r result
		select {
		case r = <-results[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		<-window
		if r.err != nil {
			return fmt.Errorf("fact sheet of partner %d: %w", ids[i], r.err)
		}
		if err := emit(r.doc); err != nil {
			return err
		}
		if progress != nil {
			progress(i+1, len(ids))
		}
	}
	return nil
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
