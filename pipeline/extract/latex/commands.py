"""The LaTeX commands and environments the prose stage knows, by what it does with them: cite, reference,
unwrap (keep the text, drop the formatting), keep silent, turn into a space or a symbol, list, theorem."""

from __future__ import annotations

CITES = set(("cite citep citet citealp citealt citeauthor citeyear citeyearpar citenum Citep Citet Citealp "
             "Citealt Citeauthor parencite Parencite textcite Textcite autocite Autocite footcite smartcite "
             "nocite").split())
REFS = {"ref": "ref", "subref": "ref", "labelcref": "ref", "eqref": "eqref", "pageref": "autoref",
        "cpageref": "autoref", "autoref": "autoref", "Autoref": "autoref", "cref": "autoref",
        "Cref": "autoref", "vref": "autoref", "Vref": "autoref", "nameref": "nameref"}
UNWRAP = set(("emph textbf textit texttt textsc textsf textrm textsl textup textmd textnormal underline uline "
              "mbox hbox vbox fbox makebox framebox text textcolor colorbox fcolorbox resizebox scalebox raisebox "
              "rotatebox parbox textsuperscript textsubscript centerline mathrm mathbf mathit mathsf mathtt "
              "hyperref href smash sbox textls textup texorpdfstring").split())
SILENT = set(("label vspace hspace setlength addtolength setcounter addtocounter stepcounter refstepcounter "
              "pagestyle thispagestyle bibliographystyle hypersetup newtheorem newenvironment renewenvironment "
              "newcommand providecommand DeclareMathOperator definecolor usepackage documentclass RequirePackage "
              "captionsetup linespread pagenumbering addcontentsline rule phantom hphantom vphantom color "
              "maketitle tableofcontents listoffigures listoftables clearpage cleardoublepage newpage pagebreak "
              "centering raggedright raggedleft noindent indent smallskip medskip bigskip hfill vfill null "
              "relax protect today thanks marginpar footnotemark title author date affil address email "
              "keywords icmltitle icmlauthor icmlaffiliation icmlcorrespondingauthor icmlkeywords "
              "IEEEauthorblockN IEEEauthorblockA Author orcid affiliation graphicspath DeclareUnicodeCharacter "
              "bf it em rm sf tt sc sl bfseries itshape mdseries upshape scshape slshape normalfont ttfamily "
              "sffamily rmfamily small footnotesize scriptsize tiny large Large LARGE huge Huge normalsize "
              "selectfont fontsize makeatletter makeatother frenchspacing sloppy fussy allowbreak nopagebreak "
              "onecolumn twocolumn balance vfil hfil ignorespaces unskip FloatBarrier printindex "
              "cvprfinalcopy iclrfinalcopy else fi ifcvprfinal ifx").split())
SYMBOLS = {"S": "§", "P": "¶", "LaTeX": "LaTeX", "TeX": "TeX", "LaTeXe": "LaTeX2e", "copyright": "©",
           "textregistered": "®", "texttrademark": "™", "textbar": "|", "textless": "<", "textgreater": ">",
           "textasciitilde": "~", "textasciicircum": "^", "textbullet": "•", "textquotedblleft": "“",
           "textquotedblright": "”", "textquoteleft": "‘", "textquoteright": "’", "textemdash": "—", "eg": "e.g.",
           "ie": "i.e.", "etal": "et al.", "etc": "etc."}
SPACES = {" ", ",", ";", ":", "quad", "qquad", "enspace", "thinspace", "enskip", "space", "nobreakspace",
          "newblock", "hskip"}
NOTHING = {"!", "-", "/", "@", "*", "ignorespaces"}
LISTS = {"itemize": "-", "enumerate": "1.", "description": ":", "compactitem": "-", "compactenum": "1.",
         "inparaenum": "1.", "asparaenum": "1."}
THEOREM_NAMES = {"theorem": "Theorem", "lemma": "Lemma", "proposition": "Proposition", "corollary": "Corollary",
                 "definition": "Definition", "remark": "Remark", "example": "Example", "assumption": "Assumption",
                 "claim": "Claim", "conjecture": "Conjecture", "fact": "Fact", "observation": "Observation",
                 "thm": "Theorem", "lem": "Lemma", "prop": "Proposition", "cor": "Corollary", "defn": "Definition"}
DROPPED_ENVIRONMENTS = {"tikzpicture", "pgfpicture", "picture", "tabular", "tabular*", "tabularx", "tabulary",
                        "longtable", "array", "algorithmic", "algorithmic*", "lstlisting", "verbatim", "Verbatim",
                        "minted", "filecontents", "filecontents*", "keywords"}
ACKNOWLEDGEMENTS = {"acknowledgments", "acknowledgements", "acks", "ack"}
