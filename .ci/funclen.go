//go:build ignore

// funclen lists the functions longer than a screen: more than -max lines from their
// signature to their closing brace, tests excepted, as gocyclo excepts them. Data
// literals are not functions, so a long table (the OpenAPI schema) is not counted
// unless it sits in a function body. Exit 1 when any is found.
//
//	go run .ci/funclen.go -max 80 .
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	max := flag.Int("max", 80, "the most lines a function may have")
	exempt := flag.String("exempt", "", "comma-separated file:function pairs allowed to be longer (data literals)")
	flag.Parse()
	allowed := map[string]bool{}
	for _, e := range strings.Split(*exempt, ",") {
		if e != "" {
			allowed[e] = true
		}
	}
	type long struct {
		where string
		lines int
	}
	var found []long
	fset := token.NewFileSet()
	for _, root := range flag.Args() {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "testdata" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			for _, decl := range f.Decls {
				fn, ok := decl.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				name := fn.Name.Name
				if fn.Recv != nil && len(fn.Recv.List) > 0 {
					name = recvName(fn.Recv.List[0].Type) + "." + name
				}
				n := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
				if n > *max && !allowed[filepath.ToSlash(path)+":"+name] {
					found = append(found, long{fmt.Sprintf("%s:%d %s", filepath.ToSlash(path), fset.Position(fn.Pos()).Line, name), n})
				}
			}
			return nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "funclen:", err)
			os.Exit(2)
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].lines > found[j].lines })
	for _, l := range found {
		fmt.Printf("%d lines: %s\n", l.lines, l.where)
	}
	if len(found) > 0 {
		fmt.Printf("%d functions are longer than %d lines: cut them along their phases\n", len(found), *max)
		os.Exit(1)
	}
}

func recvName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return recvName(t.X)
	case *ast.IndexExpr:
		return recvName(t.X)
	case *ast.IndexListExpr:
		return recvName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return "?"
}
