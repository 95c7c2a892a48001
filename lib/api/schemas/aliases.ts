/** Qdrant's ChangeAliasesOperation: `{actions: [{create_alias} | {delete_alias} | {rename_alias}]}`. */
import { z } from 'zod';
import type { AliasAction } from '../../collection/aliases.js';

const name = z.string().min(1);

const action = z.union([
  z.strictObject({ create_alias: z.object({ collection_name: name, alias_name: name }) }),
  z.strictObject({ delete_alias: z.object({ alias_name: name }) }),
  z.strictObject({ rename_alias: z.object({ old_alias_name: name, new_alias_name: name }) }),
]);

export const changeAliasesSchema = z
  .object({ actions: z.array(action) })
  .transform((b): AliasAction[] => b.actions as AliasAction[]);
