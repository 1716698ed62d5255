from authentik_etl.commands.cli import main

raise SystemExit(main())
