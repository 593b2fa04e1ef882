"""A run's results folder: who owns it (one run, locked), and the files a finished run leaves
there (logbook, best layouts, pictures, report, manifest). Firebreak-specific pictures live
here, not in the GA engine, which knows no fires."""
