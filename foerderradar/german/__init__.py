"""German text as the portals write it: one home for what crawler and matcher both need to read it.

- :mod:`.fold` — umlauts spelled out, case and accents dropped (the one ``fold``), and its two
  companions: case-keeping spelling for ASCII names, and cue patterns that match both spellings in
  text that must stay as written;
- :mod:`.stem` — the light stemmer that sends inflected and derived forms to one stem;
- :mod:`.dates` — the one date reader ("31. März 2027", "30.09.", "Ende Juni 2027", ISO, EU English);
- :mod:`.numbers` — numbers, amounts and rates ("1.500.000,00 €", "1,5 Mio. Euro", "50 v. H.");
- :mod:`.applicants` — the words for applicant types (Kommune, Landkreis, Zweckverband …), their
  codes and German labels;
- :mod:`.status` — running, closed and coming wording ("laufend", "Antragstellung nicht mehr möglich");
- :mod:`.labels` — German words for the model's codes (level, funding type).

The package is the bottom layer: it imports the standard library and :mod:`foerderradar.model`
only (for its Literal types), never crawler, matcher, storage or notifier, so every layer may use it.
"""
