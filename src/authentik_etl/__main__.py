from authentik_etl.cli import main

raise SystemExit(main())
