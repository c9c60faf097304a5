// Command gen writes the data that lets checkpointctl for .NET read regular expressions as Go does, without Go:
//
//   - tests/goregex/golden.json: for each pattern, Go's compile error or, for each input, regexp.FindAllIndex
//     (byte offsets into the UTF-8 input). Read by GoRegexTests.
//   - src/Checkpointctl.Core/Analysis/GoRegexp/GoUnicode.txt: the Unicode tables Go's regexp/syntax uses
//     (categories, scripts, their case-folding extensions, SimpleFold), read by UnicodeTables.
//
// Run from the repository root with Go 1.22 or later (upstream builds with 1.24): go run tests/goregex/gen.go
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"unicode"
)

type testCase struct {
	Input   string  `json:"input"`
	Matches [][]int `json:"matches"`
}

type patternCase struct {
	Pattern string     `json:"pattern"`
	Error   string     `json:"error,omitempty"`
	Cases   []testCase `json:"cases,omitempty"`
}

// Memory as memparse shows it to a regex: bytes < 32 and >= 127 are '?'.
var memory = []string{
	"",
	"SHLVL=1?HOME=/root?OLDPWD=/?TEST_ENV=yes?PATH=/usr/bin",
	"????ab?cd??",
	"aaa bab  abba_b? a+b a.b A B",
	"Hello World_42 (foo) [bar] {baz} x-y",
}

type spec struct {
	pattern string
	inputs  []string
}

func specs() []spec {
	s := []spec{
		// The examples.
		{`[[:upper:]]{4}_ENV`, []string{"TEST_ENV", "xTEST_ENVx", "Test_ENV ABCDE_ENV"}},
		{`(?P<v>HOME)=`, []string{"HOME=/root", "HOMEHOME="}},
		{`(?<v>HOME)=`, []string{"HOME=/root"}},
		{`HOME=([^?]+)`, nil},
		{`[A-Z_]+=[^?]*`, nil},
		// Anchors: $ is the end of text only, unless (?m).
		{`a$`, []string{"a\n", "aa", "a?a", "a\na"}},
		{`a\z`, []string{"a\n", "aa"}},
		{`(?m)a$`, []string{"a\na", "a?a"}},
		{`^a`, []string{"aaa", "a\na"}},
		{`(?m)^a`, []string{"a\na", "ba\na"}},
		{`\Aa`, []string{"aaa"}},
		{`$`, []string{"abc", ""}},
		{`^`, []string{"abc", ""}},
		{`(?m)^`, []string{"a\nb\n"}},
		{`(?m)$`, []string{"a\nb\n"}},
		// Perl classes are ASCII; \s has no \v.
		{`\s+`, []string{"a \t\n\v\f\rb", "x\u00a0y"}},
		{`\S+`, []string{"a \t\vb"}},
		{`\w+`, []string{"h\u00e9llo_w\u00f6rld 42", "a-b_c"}},
		{`\W+`, []string{"h\u00e9llo, world!"}},
		{`\d+`, []string{"a12b\u0663\u0664"}},
		{`\D+`, []string{"a12b"}},
		{`\bfoo\b`, []string{"foo foobar barfoo (foo) foo"}},
		{`\Bo\B`, []string{"foo o boot"}},
		{`\b`, []string{"ab cd", ""}},
		{`\B`, []string{"ab cd", ""}},
		{`\b\w`, []string{"a_b c-d"}},
		// Ungreedy.
		{`a+`, []string{"aaa"}},
		{`a+?`, []string{"aaa"}},
		{`(?U)a+`, []string{"aaa"}},
		{`(?U)a+?`, []string{"aaa"}},
		{`(?U:a*)b`, []string{"aab"}},
		{`(?U)(a+)(a*)`, []string{"aaa"}},
		{`a*?`, []string{"aa"}},
		{`a.*b`, []string{"a1b2b3"}},
		{`a.*?b`, []string{"a1b2b3"}},
		// Counted repetition and its limits.
		{`a{2}`, []string{"aaaaa"}},
		{`a{2,}`, []string{"aaaaa a aa"}},
		{`a{2,3}`, []string{"aaaaa"}},
		{`a{2,3}?`, []string{"aaaaa"}},
		{`a{,3}`, []string{"a{,3}"}},
		{`a{01}`, []string{"a{01}"}},
		{`a{x}`, []string{"a{x}"}},
		{`a{0}`, []string{"aaa"}},
		{`a{1000}`, []string{strings.Repeat("a", 1001)}},
		{`[a-z]{3,1000}`, []string{"abc de fghij"}},
		{`a{1001}`, nil},
		{`a{2,1001}`, nil},
		{`a{3,2}`, nil},
		{`(a{10}){101}`, nil},
		{`((a{2}){10}){50}`, nil},
		{`((a{2}){10}){50}|b`, nil},
		{`(a{2}){0}{2}`, nil},
		{`a{2}{3}`, nil},
		{`a{99999999999}`, nil},
		// POSIX classes.
		{`[[:alpha:]]+`, []string{"ab1cd"}},
		{`[[:^alpha:]]+`, []string{"ab1?cd"}},
		{`[[:digit:][:punct:]]+`, []string{"a1.b,2c"}},
		{`[[:word:]]+`, []string{"a_1-b"}},
		{`[[:space:]]+`, []string{"a \t\n\v\f\rb"}},
		{`[[:^space:][:digit:]]+`, []string{"a1 2b"}},
		{`(?i)[[:upper:]]+`, []string{"aBc1"}},
		{`(?i)[[:^upper:]]+`, []string{"aBc1"}},
		{`[[:foo:]]`, nil},
		{`[:alpha:]`, []string{"alpha:x"}},
		{`[[:alpha:]`, nil},
		// Unicode classes.
		{`\pL+`, []string{"abc \u03b1\u03b2\u03b3 123"}},
		{`\PL+`, []string{"abc \u03b1\u03b2\u03b3 123"}},
		{`\p{Greek}+`, []string{"abc \u03b1\u03b2\u03b3 123"}},
		{`\p{^Greek}+`, []string{"abc \u03b1\u03b2\u03b3 123"}},
		{`\P{^Greek}+`, []string{"abc \u03b1\u03b2\u03b3 123"}},
		{`\p{Lu}+`, []string{"aBCd\u0394"}},
		{`(?i)\p{Lu}+`, []string{"aBCd\u0394 1"}},
		{`\p{Latin}+`, []string{"abc \u03b1 \u00e9"}},
		{`[\p{Lu}\d]+`, []string{"aB1c"}},
		{`[^\pL]+`, []string{"ab12cd"}},
		{`\pN+`, []string{"x12\u00bd"}},
		{`\p{Any}+`, []string{"ab"}},
		{`\p{Foo}`, nil},
		{`\pX`, nil},
		{`\p{Greek`, nil},
		{`\p{greek}`, nil},
		{`\p{Letter}`, nil},
		// Escapes.
		{`\x41+`, []string{"AAB"}},
		{`\x{41}\x{10FFFF}`, []string{"A\U0010FFFF"}},
		{`\x{110000}`, nil},
		{`\x{}`, nil},
		{`\x4`, nil},
		{`\x4g`, nil},
		{`\101\0\7`, []string{"A\x00\x07"}},
		{`\08`, []string{"\x008"}},
		{`\a\f\t\n\r\v`, []string{"\a\f\t\n\r\v"}},
		{`\_\-\.\?\\`, []string{"_-.?\\"}},
		{`\?+`, []string{"a??b?"}},
		{`[?]+`, []string{"a??b?"}},
		{`a?`, []string{"a?a"}},
		{`\Qa.b*\E+`, []string{"a.b**"}},
		{`\Qa.b`, []string{"a.b axb"}},
		{`\Q\E*`, nil},
		{`x\Q\Ey*`, []string{"xyy x"}},
		// Rejected escapes and Perl syntax.
		{`\1`, nil},
		{`(a)\1`, nil},
		{`\8`, nil},
		{`\Z`, nil},
		{`\z\Z`, nil},
		{`\C`, nil},
		{`\q`, nil},
		{`\G`, nil},
		{`\e`, nil},
		{`\cA`, nil},
		{`\N{DIGIT ONE}`, nil},
		{`\`, nil},
		{`a\`, nil},
		{`[a\`, nil},
		{`(?=x)`, nil},
		{`(?!x)`, nil},
		{`(?<=x)y`, nil},
		{`(?<!x)y`, nil},
		{`(?>x)`, nil},
		{`(?#comment)`, nil},
		{`(?P=n)`, nil},
		{`(?P>n)`, nil},
		{`(?'n'x)`, nil},
		{`(?i`, nil},
		{`(?z)`, nil},
		{`(?-)`, nil},
		{`(?i-)`, nil},
		{`(?--i)`, nil},
		{`(?i-s:a.)`, []string{"A\nAb"}},
		{`a++`, nil},
		{`a**`, nil},
		{`a*?*`, nil},
		{`a?+`, nil},
		{`a{2}*`, nil},
		{`*a`, nil},
		{`(*)`, nil},
		{`a|*`, nil},
		{`(?i)*`, nil},
		{`^*`, []string{"abc"}},
		{`$+`, []string{"abc"}},
		{`\b*x`, []string{"x"}},
		// Parentheses and brackets.
		{`(`, nil},
		{`(a|b`, nil},
		{`)`, nil},
		{`a)`, nil},
		{`a|)`, nil},
		{`()`, []string{"ab"}},
		{`(?:)`, []string{"ab"}},
		{`[a`, nil},
		{`[a-`, nil},
		{`[]`, nil},
		{`[^]`, nil},
		{`[]a]+`, []string{"a]b"}},
		{`[^]a]+`, []string{"a]b"}},
		{`[a-]+`, []string{"a-b"}},
		{`[-a]+`, []string{"a-b"}},
		{`[\d-z]+`, []string{"1-zy"}},
		{`[z-a]`, nil},
		{`[a-\d]`, nil},
		{`[\x{10FFFF}-\x00]`, nil},
		{`[a-a]`, []string{"ab"}},
		{`[\Z]`, nil},
		{`[[:alpha:]-z]+`, []string{"a-z1"}},
		{`[^\x00-\x{10FFFF}]`, []string{"abc"}},
		{`[^\n]+`, []string{"a\nb"}},
		{`[^a]+`, []string{"b\nc"}},
		// Named captures.
		{`(?P<n>a)(?P<n>b)`, []string{"ab"}},
		{`(?P<>a)`, nil},
		{`(?<>a)`, nil},
		{`(?P<a-b>x)`, nil},
		{`(?P<1a>x)`, []string{"x"}},
		{`(?P<name`, nil},
		{`(?<name`, nil},
		{`(?P<n>`, nil},
		// Dot and flags.
		{`.+`, []string{"a\nb", "\u00e9\U0001F600"}},
		{`(?s).+`, []string{"a\nb"}},
		{`(?s:.)(?-s:.)`, []string{"\n\n\na"}},
		{`(?i)a(?-i)a`, []string{"AA Aa aA"}},
		{`(?im)^a$`, []string{"x\nA\na"}},
		{`(?i)k+`, []string{"kK\u212a"}},
		{`(?i)[a-z]+`, []string{"Hello WORLD 42"}},
		{`(?i)[^k]+`, []string{"akK\u212az"}},
		{`(?i)\W`, []string{"k\u212a\u017f-"}},
		{`(?i)ſ`, []string{"sS\u017f"}},
		{`(?i:a)b|ac`, []string{"Ab Ac ab ac AB"}},
		{`(?i)hello`, []string{"HeLLo hello"}},
		{`[Kk]`, []string{"kK\u212a"}},
		// Alternation is leftmost-first.
		{`a|ab`, []string{"ab"}},
		{`ab|a`, []string{"ab"}},
		{`(a|ab)(c|bcd)`, []string{"abcd"}},
		{`(a+|b+)*c`, []string{"aabbc"}},
		{`abc|abd|aef|bcx|bcy`, []string{"abd aef bcy"}},
		{`a(?:b|c)d|a[bc]e`, []string{"abd ace"}},
		// .NET 10's NonBacktracking engine misses or stretches these.
		{`-?\d+`, []string{"a-a12 -3"}},
		{`x?A`, []string{"xbAA"}},
		{`(x.+?)+.a`, []string{"x bb a?aa ?"}},
		// Empty matches.
		{`a*`, []string{"baaac", ""}},
		{``, []string{"abc"}},
		{`|a`, []string{"aa"}},
		{`a|`, []string{"aab"}},
		{`(|a)*`, []string{"aa"}},
		{`(|a)+`, []string{"aa"}},
		{`(a|)*`, []string{"aab"}},
		{`(a*)*`, []string{"b", "aab"}},
		{`(a*)+`, []string{"b", "aab"}},
		{`(a*|b)*`, []string{"abab"}},
		{`(a*?)*`, []string{"aa"}},
		{`x*`, []string{"", "axxb"}},
		{`(?:a?)*?b`, []string{"aab"}},
		// Loops whose body can match empty: an empty iteration ends the loop.
		{`(a*|b)*c`, []string{"bc abbc aac"}},
		{`(a?b?)*`, []string{"abba ab"}},
		{`(\b|a)*x`, []string{"aax x"}},
		{`(.??)+a`, []string{" aAAbb a"}},
		{`(a|b?)+`, []string{"aab?ba"}},
		{`(a*)+?b`, []string{"aab"}},
		{`(|a)*?`, []string{"aa"}},
		{`\z*?|\b*`, []string{"ab"}},
		{`(a{0,2}|b){2,}`, []string{"aaabab"}},
		{`(x?){3}y`, []string{"xxy xy"}},
		{`(a*|b){2,3}?c`, []string{"abc"}},
		// Pathological for backtracking engines.
		{`(a*)*b`, []string{strings.Repeat("a", 5000), strings.Repeat("a", 5000) + "b"}},
		{`(x+x+)+y`, []string{strings.Repeat("x", 5000), strings.Repeat("x", 5000) + "y"}},
		{`(a|aa)+$`, []string{strings.Repeat("a", 3000) + "?"}},
		// Parse-tree limits.
		{strings.Repeat("(", 1000) + "a" + strings.Repeat(")", 1000), []string{"a"}},
		{strings.Repeat("(", 1001) + "a" + strings.Repeat(")", 1001), nil},
		{strings.Repeat("(?:", 2000) + "a" + strings.Repeat(")", 2000), []string{"a"}},
		{strings.Repeat("(?:a*)", 1001), []string{"aa"}},
		{strings.Repeat("a|", 1500) + "b", []string{"ab"}},
		{"(?:" + strings.Repeat("a", 3400) + "){1000}", nil},
		{strings.Repeat("[a-z]{1000}", 3400), nil},
		{strings.Repeat(`\pL`, 26000), nil},
		{strings.Repeat(`((`, 600) + strings.Repeat(`))`, 600), nil},
	}
	return s
}

func main() {
	if _, err := regexp.Compile(`(?<n>x)`); err != nil {
		fmt.Fprintln(os.Stderr, "needs Go 1.22 or later (for (?<name>...)), have", runtime.Version())
		os.Exit(1)
	}
	writeGolden("tests/goregex/golden.json")
	writeUnicode("src/Checkpointctl.Core/Analysis/GoRegexp/GoUnicode.txt")
}

func writeGolden(path string) {
	var out []patternCase
	for _, s := range specs() {
		pc := patternCase{Pattern: s.pattern}
		re, err := regexp.Compile(s.pattern)
		if err != nil {
			pc.Error = err.Error()
			out = append(out, pc)
			continue
		}
		for _, in := range append(append([]string{}, memory...), s.inputs...) {
			m := re.FindAllIndex([]byte(in), -1)
			if m == nil {
				m = [][]int{}
			}
			pc.Cases = append(pc.Cases, testCase{Input: in, Matches: m})
		}
		out = append(out, pc)
	}
	// One pattern a line.
	var b strings.Builder
	fmt.Fprintf(&b, "{\"go\": %q, \"patterns\": [\n", runtime.Version())
	for i, pc := range out {
		line, err := marshal(pc)
		check(err)
		b.Write(line)
		if i < len(out)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]}\n")
	check(os.WriteFile(path, []byte(b.String()), 0o644))
}

func marshal(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return []byte(strings.TrimSuffix(b.String(), "\n")), err
}

// One line per table: kind, name, then ranges lo-hi[/stride] in hex, R16 then R32 as Go lists them.
func writeUnicode(path string) {
	var b strings.Builder
	fmt.Fprintf(&b, "# Unicode tables of Go's regexp/syntax (%s, Unicode %s), written by tests/goregex/gen.go.\n", runtime.Version(), unicode.Version)
	tables := func(kind string, m map[string]*unicode.RangeTable) {
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			b.WriteString(kind + " " + n)
			t := m[n]
			for _, r := range t.R16 {
				writeRange(&b, uint32(r.Lo), uint32(r.Hi), uint32(r.Stride))
			}
			for _, r := range t.R32 {
				writeRange(&b, r.Lo, r.Hi, r.Stride)
			}
			b.WriteString("\n")
		}
	}
	tables("category", unicode.Categories)
	tables("script", unicode.Scripts)
	tables("foldcategory", unicode.FoldCategory)
	tables("foldscript", unicode.FoldScript)
	// SimpleFold for every rune it moves: pairs r:SimpleFold(r).
	b.WriteString("simplefold")
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if f := unicode.SimpleFold(r); f != r {
			fmt.Fprintf(&b, " %x:%x", r, f)
		}
	}
	b.WriteString("\n")
	check(os.WriteFile(path, []byte(b.String()), 0o644))
}

func writeRange(b *strings.Builder, lo, hi, stride uint32) {
	switch {
	case lo == hi:
		fmt.Fprintf(b, " %x", lo)
	case stride == 1:
		fmt.Fprintf(b, " %x-%x", lo, hi)
	default:
		fmt.Fprintf(b, " %x-%x/%x", lo, hi, stride)
	}
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
