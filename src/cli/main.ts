/** Entry point of the `flotilla` command (bin/flotilla runs the compiled form of this file). */
import { buildProgram } from './program.js';

await buildProgram().parseAsync(process.argv);
