//! The `define_actions!` macro behind the action table.

/// Expands the one action list into structs, trait impls, [`ActionName`],
/// [`AnyAction`] and [`AnyOutput`].
///
/// Each entry: doc comment, `Name = "wire_name", Group, kind -> Output { fields }`.
/// `kind` is `read`, `list`, `write`, `web_url` or `download`; list actions
/// get a `page: PageRequest` argument added.
macro_rules! define_actions {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident = $wire:literal, $group:ident, $kind:ident -> $out:ty {
            $( $(#[$fmeta:meta])* $field:ident : $fty:ty ),* $(,)?
        }
    )*) => {
        $(
            action_struct! { $kind
                $(#[doc = $doc])*
                #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
                #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
                #[serde(deny_unknown_fields)]
                $name { $( $(#[$fmeta])* pub $field : $fty, )* }
            }

            impl $crate::actions::Action for $name {
                const NAME: ActionName = ActionName::$name;
                type Output = $out;

                fn into_any(self) -> AnyAction {
                    AnyAction::$name(self)
                }

                #[allow(unreachable_patterns)]
                fn output_from_any(output: AnyOutput) -> Option<$out> {
                    match output {
                        AnyOutput::$name(value) => Some(value),
                        _ => None,
                    }
                }

                fn page_mut(&mut self) -> Option<&mut $crate::page::PageRequest> {
                    action_page!($kind, self)
                }
            }
        )*

        /// The stable name of every action.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum ActionName {
            $( $(#[doc = $doc])* $name, )*
        }

        impl ActionName {
            /// Every action, in catalogue order.
            pub const ALL: &'static [ActionName] = &[ $( ActionName::$name, )* ];

            /// The snake_case wire name.
            pub fn as_str(self) -> &'static str {
                match self { $( ActionName::$name => $wire, )* }
            }

            pub fn kind(self) -> $crate::actions::ActionKind {
                match self { $( ActionName::$name => action_kind!($kind), )* }
            }

            pub fn group(self) -> $crate::actions::ActionGroup {
                match self { $( ActionName::$name => $crate::actions::ActionGroup::$group, )* }
            }

            /// The first line of the action's documentation.
            pub fn summary(self) -> &'static str {
                match self { $( ActionName::$name => first_doc_line!($($doc)*), )* }
            }

            /// The action's arguments (list actions also take `page`).
            pub fn fields(self) -> &'static [$crate::actions::FieldInfo] {
                match self {
                    $( ActionName::$name => &[
                        $( $crate::actions::FieldInfo {
                            name: field_name!($field),
                            ty: stringify!($fty),
                            kind: <$fty as $crate::actions::FieldType>::KIND,
                            optional: <$fty as $crate::actions::FieldType>::OPTIONAL,
                        }, )*
                    ], )*
                }
            }

            /// The output type as written in the table.
            pub fn output_type(self) -> &'static str {
                match self { $( ActionName::$name => stringify!($out), )* }
            }

            /// The position of this action in [`ActionName::ALL`].
            pub fn index(self) -> usize {
                self as usize
            }

            pub(crate) fn parse_args(self, args: serde_json::Value) -> Result<AnyAction, $crate::error::Error> {
                match self { $( ActionName::$name => $crate::actions::parse_args::<$name>(args), )* }
            }
        }

        #[cfg(feature = "schema")]
        impl ActionName {
            /// JSON Schemas of the action's arguments and of its result
            /// data (`None` for downloads, which stream bytes), registered
            /// in `generator` (for the OpenAPI document).
            pub fn schemas(
                self,
                generator: &mut schemars::gen::SchemaGenerator,
            ) -> (schemars::schema::Schema, Option<schemars::schema::Schema>) {
                match self {
                    $( ActionName::$name => (
                        generator.subschema_for::<$name>(),
                        output_schema!($kind, $out, generator),
                    ), )*
                }
            }
        }

        /// Any action with its arguments, for dynamic dispatch.
        #[derive(Debug, Clone, PartialEq)]
        pub enum AnyAction {
            $( $name($name), )*
        }

        impl AnyAction {
            pub fn name(&self) -> ActionName {
                match self { $( AnyAction::$name(_) => ActionName::$name, )* }
            }

            /// The arguments as JSON (the RPC request body).
            pub fn args_json(&self) -> serde_json::Value {
                match self {
                    $( AnyAction::$name(args) => serde_json::to_value(args).unwrap_or_default(), )*
                }
            }

            pub fn page_mut(&mut self) -> Option<&mut $crate::page::PageRequest> {
                use $crate::actions::Action;
                match self { $( AnyAction::$name(args) => args.page_mut(), )* }
            }
        }

        /// The output of any action, for dynamic dispatch.
        #[derive(Debug)]
        pub enum AnyOutput {
            $( $name($out), )*
        }

        impl AnyOutput {
            pub fn name(&self) -> ActionName {
                match self { $( AnyOutput::$name(_) => ActionName::$name, )* }
            }

            /// The output as JSON; download actions have none.
            pub fn into_json(self) -> Result<serde_json::Value, $crate::error::Error> {
                match self { $( AnyOutput::$name(value) => output_json!($kind, value), )* }
            }

            /// Parses an RPC result back into the typed output.
            pub fn from_json(name: ActionName, value: serde_json::Value) -> Result<AnyOutput, $crate::error::Error> {
                match name { $( ActionName::$name => Ok(AnyOutput::$name(output_parse!($kind, value)?)), )* }
            }

            /// The streamed bytes of a download action's output; any other
            /// output comes back unchanged (boxed) as the error.
            pub fn into_download(self) -> Result<$crate::download::Download, Box<AnyOutput>> {
                match self { $( AnyOutput::$name(value) => output_download!($kind, $name, value), )* }
            }

            /// The output of download action `name` from streamed bytes (an
            /// RPC client reading a download); `invalid_input` for any other
            /// action.
            pub fn from_download(name: ActionName, download: $crate::download::Download) -> Result<AnyOutput, $crate::error::Error> {
                match name { $( ActionName::$name => output_from_download!($kind, $name, download), )* }
            }
        }
    };
}

macro_rules! action_struct {
    (list $(#[$meta:meta])* $name:ident { $($body:tt)* }) => {
        $(#[$meta])*
        pub struct $name {
            $($body)*
            /// Which page to return.
            #[serde(default)]
            pub page: $crate::page::PageRequest,
        }
    };
    ($kind:ident $(#[$meta:meta])* $name:ident { $($body:tt)* }) => {
        $(#[$meta])*
        pub struct $name { $($body)* }
    };
}

macro_rules! action_page {
    (list, $self:ident) => {
        Some(&mut $self.page)
    };
    ($kind:ident, $self:ident) => {
        None
    };
}

macro_rules! action_kind {
    (read) => {
        $crate::actions::ActionKind::Read
    };
    (list) => {
        $crate::actions::ActionKind::List
    };
    (write) => {
        $crate::actions::ActionKind::Write
    };
    (web_url) => {
        $crate::actions::ActionKind::WebUrl
    };
    (download) => {
        $crate::actions::ActionKind::Download
    };
}

macro_rules! output_json {
    (download, $value:ident) => {
        $crate::actions::download_to_json($value)
    };
    ($kind:ident, $value:ident) => {
        $crate::actions::output_to_json($value)
    };
}

macro_rules! output_download {
    (download, $name:ident, $value:ident) => {
        Ok($value)
    };
    ($kind:ident, $name:ident, $value:ident) => {
        Err(Box::new(AnyOutput::$name($value)))
    };
}

macro_rules! output_from_download {
    (download, $name:ident, $download:ident) => {
        Ok(AnyOutput::$name($download))
    };
    ($kind:ident, $name:ident, $download:ident) => {{
        drop($download);
        Err($crate::actions::not_a_download(ActionName::$name))
    }};
}

macro_rules! output_parse {
    (download, $value:ident) => {
        $crate::actions::download_from_json($value)
    };
    ($kind:ident, $value:ident) => {
        $crate::actions::output_from_json($value)
    };
}

#[cfg(feature = "schema")]
macro_rules! output_schema {
    (download, $out:ty, $generator:ident) => {
        None
    };
    ($kind:ident, $out:ty, $generator:ident) => {
        Some($generator.subschema_for::<$out>())
    };
}

#[cfg(not(feature = "schema"))]
#[allow(unused_macros)]
macro_rules! output_schema {
    ($($any:tt)*) => {
        None
    };
}

macro_rules! first_doc_line {
    () => {
        ""
    };
    ($first:literal $($rest:literal)*) => {
        $first
    };
}

macro_rules! field_name {
    (r#ref) => {
        "ref"
    };
    ($field:ident) => {
        stringify!($field)
    };
}
