"""Real EU data shipped with Filiera, so the demo works on any machine (see CREDIT.md).

- `edf/`: the European Defence Fund projects and participants (EDF, ASAP, EDIRPA) in the
  Funding & Tenders format read by `filiera.imports.edf`.
- `h2020/`: Horizon 2020 participations by PIC with each partner's EU contribution, and the
  programme part of each project, read by `filiera.imports.h2020`.

European Commission, Funding & Tenders portal / CORDIS, CC BY 4.0.
"""

from pathlib import Path

DATA_DIR = Path(__file__).parent
EDF_DIR = DATA_DIR / "edf"
H2020_DIR = DATA_DIR / "h2020"
